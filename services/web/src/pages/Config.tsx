export function ConfigPage(props: { id: number }) {
  return <h1>Config {props.id}</h1>;
}
