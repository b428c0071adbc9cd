// What to do when ci-stats has nothing: wfm learns about CI only from
// GitHub's webhooks, so say how to set one up (and what the demo sends).
import { Link } from "../../router";
import { RANGES, ciHref, type Range } from "../../lib/ci";

export function NoCiData(props: { range: Range }) {
  const longer = RANGES.filter((r) => r.seconds > props.range.seconds);
  const origin = window.location.origin;
  return (
    <div class="empty" role="status">
      <h2>No CI data in the {props.range.label.toLowerCase()}</h2>
      <p>wfm learns about workflows and jobs from GitHub's webhooks. To send them:</p>
      <ol style={{ textAlign: "left", display: "inline-block", margin: "0 auto" }}>
        <li>
          In the repository's (or organization's) <strong>Settings → Webhooks → Add webhook</strong>, set the payload URL to{" "}
          <code>{origin}/v1/webhooks/github</code> and the content type to <code>application/json</code>.
        </li>
        <li>
          Give it a secret and list the same secret in wfm-api's <code>WFM_WEBHOOK_SECRETS</code> (comma-separated; deliveries
          with another signature are refused).
        </li>
        <li>
          Choose the events <strong>Workflow jobs</strong> and <strong>Workflow runs</strong>. Completed runs and jobs appear here
          within seconds.
        </li>
      </ol>
      <p>
        The demo (<code>wfm demo</code>) sends signed <code>workflow_job</code> events for one nightly job per day.
        {longer.length > 0 && (
          <>
            {" "}
            Older data may be in a longer range:{" "}
            {longer.map((r, i) => (
              <span key={r.key}>
                {i > 0 && ", "}
                <Link href={ciHref({ range: r.key })}>{r.label.toLowerCase()}</Link>
              </span>
            ))}
            .
          </>
        )}
      </p>
    </div>
  );
}
