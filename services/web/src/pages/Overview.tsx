// The console's front page: every config with its state, the last day of
// runs, and the way to CI health and the runner sets.
import { api } from "../api";
import { useAsync } from "../hooks";
import { Link } from "../router";
import { NoConfig } from "../components/NoConfig";
import { ErrorBox, Loading, Section, Stat } from "../components/ui";
import { RUN_STATUSES, type Config } from "../types";
import { ConfigRow } from "./overview/ConfigRow";

export function Overview() {
  const configs = useAsync(() => api.get<{ configs: Config[]; total: number }>("/configs", { limit: 100 }), []);
  return (
    <>
      <h1>Overview</h1>
      <RunsToday />
      <Section
        title="Configs"
        id="configs"
        actions={configs.data && <span class="muted">
              {configs.data.total} config{configs.data.total === 1 ? "" : "s"}
            </span>}
      >
        {configs.error && <ErrorBox error={configs.error} retry={configs.reload} />}
        {!configs.data && !configs.error && <Loading what="configs" />}
        {configs.data && configs.data.configs.length === 0 && <NoConfig />}
        {configs.data && configs.data.configs.length > 0 && (
          <div class="table-wrap">
            <table aria-label="Configs">
              <thead>
                <tr>
                  <th>Config</th>
                  <th>Enabled</th>
                  <th>Reader</th>
                  <th>Collects from</th>
                  <th>Last run</th>
                  <th>Headline metric, last 30 days</th>
                </tr>
              </thead>
              <tbody>
                {configs.data.configs.map((c) => (
                  <ConfigRow key={c.id} config={c} onChange={configs.reload} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>
      <div class="grid">
        <Section title="CI health">
          <p>Workflow and job success rates, durations and queue times from GitHub's webhooks.</p>
          <Link href="/ci">Open CI health →</Link>
        </Section>
        <Section title="Runner sets">
          <p>The ARC runner sets wfm-scanner watches, with their runners and how they ended.</p>
          <Link href="/runner-sets">Open runner sets →</Link>
        </Section>
        <Section title="Metrics">
          <p>Chart any metric over time, grouped and filtered by its dimensions, and export what you see.</p>
          <Link href="/explore">Open the metrics explorer →</Link>
        </Section>
      </div>
    </>
  );
}

/** Runs created in the last 24 hours, by status (one count per status). */
function RunsToday() {
  const counts = useAsync(async () => {
    const since = new Date(Date.now() - 86400_000).toISOString();
    const totals = await Promise.all(
      RUN_STATUSES.map((status) => api.get<{ total: number }>("/runs", { status, start_date: since, limit: 1 }).then((p) => p.total)),
    );
    return RUN_STATUSES.map((s, i) => [s, totals[i]] as const);
  }, []);
  return (
    <Section title="Runs in the last 24 hours" id="runs-today" actions={<Link href="/runs">All runs →</Link>}>
      {counts.error && <ErrorBox error={counts.error} retry={counts.reload} />}
      {!counts.data && !counts.error && <Loading what="runs" />}
      {counts.data && (
        <div class="stats">
          {counts.data.map(([status, n]) => (
            <Stat
              key={status}
              label={status}
              value={
                <Link href={`/runs?status=${status}`} aria-label={`${n} ${status} runs`}>
                  {n}
                </Link>
              }
            />
          ))}
        </div>
      )}
    </Section>
  );
}
