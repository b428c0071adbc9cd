// What a page with nothing to show says when wfm has no config yet.
import { Empty } from "./ui";

export function NoConfig() {
  return (
    <Empty>
      <h3>No config yet</h3>
      <p>
        A config tells wfm which runners (or repository) to collect result files from. Create one with the API (every field:{" "}
        <a href="/v1/openapi.json">/v1/openapi.json</a>):
      </p>
      <pre>{`curl -X POST ${window.location.origin}/v1/github-workflow-metrics/configs \\
  -H 'Content-Type: application/json' \\
  -d '{"name":"nightly","runner_set_namespace":"arc-runners",
       "runner_set_name":"gpu-runners","file_patterns":["results/*.json"]}'`}</pre>
      <p>
        or run <code>scripts/dev</code>, whose demo creates one and fills it with a fortnight of nightly benchmarks.
      </p>
    </Empty>
  );
}
