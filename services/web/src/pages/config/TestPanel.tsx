// The Test button: POST /configs/{id}/test queues a manual run of one
// runner; the run is then followed until it ends, to show what it found.
import { useRef, useState } from "preact/hooks";
import { api } from "../../api";
import { ErrorBox, Status } from "../../components/ui";
import { useInterval, useAction } from "../../hooks";
import { isFinal } from "../../lib/configRuns";
import type { Config, Run } from "../../lib/configTypes";
import { formatNumber } from "../../lib/format";
import { Link } from "../../router";
import { RunFacts } from "./RunDetail";

export function TestPanel(props: { config: Config }) {
  const c = props.config;
  const bySet = Boolean(c.runner_set_namespace && c.runner_set_name);
  const [uid, setUid] = useState("");
  const [run, setRun] = useState<Run | null>(null);
  const [pollError, setPollError] = useState<Error | null>(null);
  const test = useAction<Run>();

  const start = async (e: Event) => {
    e.preventDefault();
    setRun(null);
    setPollError(null);
    const body = uid.trim() ? { workload_uid: uid.trim() } : {};
    const queued = await test.run(() => api.post<Run>(`/configs/${c.id}/test`, body));
    if (queued) setRun(queued);
  };
  const following = run !== null && !isFinal(run.status);
  const polling = useRef(false);
  useInterval(
    () => {
      if (!run || polling.current) return;
      polling.current = true;
      const id = run.id;
      api
        .get<Run>(`/configs/${c.id}/runs/${id}`)
        .then((r) => setRun((cur) => (cur?.id === id ? r : cur)), setPollError)
        .finally(() => (polling.current = false));
    },
    2000,
    following,
  );

  return (
    <div style={{ borderTop: "1px solid var(--line)", paddingTop: "0.75rem" }}>
      <h3 style={{ marginTop: 0 }}>Test this config</h3>
      <p class="muted" style={{ marginTop: 0 }}>
        Collects one runner now as a <code>manual</code> run and shows what it found.{" "}
        {bySet
          ? "Leave the runner empty for the runner set's newest completed runner."
          : "This config is bound to a repository, so name the runner (its workload uid) to collect."}
      </p>
      <form class="row" onSubmit={start} aria-label="Test config">
        <label>
          Runner uid{bySet ? " (optional)" : ""}
          <input
            value={uid}
            onInput={(e) => setUid(e.currentTarget.value)}
            placeholder={c.last_processed_workload_uid ?? "workload uid"}
            style={{ width: "22rem" }}
          />
        </label>
        <button type="submit" class="primary" disabled={test.busy || following}>
          {test.busy ? "Testing…" : "Test"}
        </button>
      </form>
      {test.error && (
        <div style={{ marginTop: "0.75rem" }}>
          <ErrorBox error={test.error} />
        </div>
      )}
      {pollError && <ErrorBox error={pollError} />}
      {run && (
        <div role="status" aria-live="polite" style={{ marginTop: "0.75rem" }}>
          <p>
            Test run <Link href={`/configs/${c.id}?tab=runs&run=${run.id}`}>{run.id}</Link> is <Status value={run.status} />
            {following
              ? " — following it until it ends…"
              : run.status === "completed"
                ? ` — found ${run.files_found} file(s), read ${run.files_processed}, stored ${formatNumber(run.metrics_count)} record(s).`
                : run.status === "failed"
                  ? " — see the error below; fix the settings and test again."
                  : "."}
          </p>
          {!following && <RunFacts run={run} />}
        </div>
      )}
    </div>
  );
}
