export function RunnerSets() {
  return <h1>Runner sets</h1>;
}

export function RunnerSet(props: { namespace: string; name: string }) {
  return (
    <h1>
      Runner set {props.namespace}/{props.name}
    </h1>
  );
}
