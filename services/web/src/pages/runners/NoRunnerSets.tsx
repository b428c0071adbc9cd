// What an empty runner-set list means: wfm-scanner has not recorded any
// (no cluster, as in the demo, or the scanner cannot see ARC's resources).
import { Link } from "../../router";

export function NoRunnerSets(props: { namespace: string | null; cluster: string | null }) {
  if (props.namespace)
    return (
      <div class="empty" role="status">
        <p>
          No runner sets in namespace <code>{props.namespace}</code>.
        </p>
        <Link href="/runner-sets">Show every namespace</Link>
      </div>
    );
  return (
    <div class="empty" role="status">
      <h2>No runner sets recorded{props.cluster ? ` in cluster ${props.cluster}` : ""}</h2>
      <p>
        <strong>wfm-scanner</strong> records ARC's <code>AutoscalingRunnerSet</code>s and their runners as it watches them in the
        Kubernetes cluster (gha-runner-scale-set, <code>actions.github.com/v1alpha1</code>).
      </p>
      <p>
        <strong>In the demo there is no cluster</strong>, so this list stays empty: the demo's jobs arrive as GitHub webhooks
        instead. See them on <Link href="/ci">CI health</Link>, and their collected results under <Link href="/runs">Runs</Link>.
      </p>
      <p>With a cluster, check that:</p>
      <ul style={{ textAlign: "left", display: "inline-block", margin: "0 auto" }}>
        <li>wfm-scanner runs, with a service account that may list and watch autoscalingrunnersets, ephemeralrunnersets and ephemeralrunners;</li>
        <li>
          its <code>WFM_CLUSTER_NAME</code> is the cluster wfm-api reads (or add <code>?cluster=NAME</code> to this page's address);
        </li>
        <li>ARC's scale sets exist: <code>kubectl get autoscalingrunnersets -A</code>.</li>
      </ul>
    </div>
  );
}
