export function CiHealth() {
  return <h1>CI health</h1>;
}
