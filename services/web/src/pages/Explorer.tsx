export function Explorer() {
  return <h1>Metrics explorer</h1>;
}
