// Repository health: the watched repositories (add one, see where its
// collection stands) and one repository's 23 metrics over time, a chart
// per group of related metrics, every metric a line; range and interval in
// the URL.
import { useState } from "preact/hooks";
import { api, canWrite } from "../api";
import { Chart } from "../components/Chart";
import { Choice, Empty, ErrorBox, Facts, Loading, Section } from "../components/ui";
import { useAction, useAsync } from "../hooks";
import { formatAgo, formatNumber, formatTime } from "../lib/format";
import { CHARTS, INTERVALS, RANGES, chartData, checkName, formatInterval, fullName, healthView, latest, type Health, type Repository } from "../lib/repoHealth";
import { Link, setQuery, useLocation } from "../router";
import { useSession } from "../session";

export function Repositories() {
  const list = useAsync(() => api.get<{ repositories: Repository[] }>("/repositories"), []);
  const session = useSession();
  return (
    <>
      <h1>Repository health</h1>
      <p class="muted">
        Pull requests, commits, code churn and CI of the repositories you name, over the 7 days before each collection, collected from GitHub's API by wfm-collector (every 15 minutes unless
        set otherwise). The CI numbers come from wfm's webhooks when they cover the week.
      </p>
      {canWrite(session) && <AddRepository onAdded={list.reload} />}
      <Section title="Repositories" id="repositories">
        {list.error && <ErrorBox error={list.error} retry={list.reload} />}
        {!list.data && !list.error && <Loading what="repositories" />}
        {list.data && list.data.repositories.length === 0 && (
          <Empty>
            No repository is watched yet. Add one above, set <code>WFM_REPO_HEALTH_REPOSITORIES</code> on wfm-collector, or <code>POST /repositories</code>; the collector needs{" "}
            <code>WFM_GITHUB_TOKEN</code> or a GitHub App.
          </Empty>
        )}
        {list.data && list.data.repositories.length > 0 && (
          <div class="table-wrap">
            <table aria-label="Repositories">
              <thead>
                <tr>
                  <th>Repository</th>
                  <th>Collected</th>
                  <th>Every</th>
                  <th>Last collected</th>
                  <th>Next</th>
                  <th>Last error</th>
                </tr>
              </thead>
              <tbody>
                {list.data.repositories.map((r) => (
                  <tr key={r.id}>
                    <td>
                      <Link href={`/repositories/${r.id}`}>{fullName(r)}</Link>
                    </td>
                    <td>{r.enabled ? "yes" : <span class="badge muted">paused</span>}</td>
                    <td>{formatInterval(r.interval_seconds)}</td>
                    <td>{r.collection.last_collected_at ? formatAgo(r.collection.last_collected_at) : "never"}</td>
                    <td>{formatTime(r.collection.next_run_at)}</td>
                    <td class={r.collection.last_error ? "bad" : "muted"}>{r.collection.last_error ?? "–"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>
    </>
  );
}

function AddRepository(props: { onAdded: () => void }) {
  const [name, setName] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const add = useAction<Repository>();
  return (
    <Section title="Watch a repository" id="add-repository">
      <form
        class="row"
        onSubmit={async (e) => {
          e.preventDefault();
          const why = checkName(name);
          setProblem(why);
          if (why) return;
          const added = await add.run(() => api.post<Repository>("/repositories", { repository: name.trim() }));
          if (added) {
            setName("");
            props.onAdded();
          }
        }}
      >
        <label>
          Repository <input value={name} placeholder="OWNER/NAME" onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <button type="submit" class="primary" disabled={add.busy}>
          {add.busy ? "Adding…" : "Watch"}
        </button>
      </form>
      {problem && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      {add.error && <ErrorBox error={add.error} />}
    </Section>
  );
}

export function RepositoryPage(props: { id: number }) {
  const { query } = useLocation();
  const view = healthView(query);
  const session = useSession();
  const repo = useAsync(() => api.get<Repository>(`/repositories/${props.id}`), [props.id]);
  const health = useAsync(() => {
    const to = new Date();
    const from = new Date(to.getTime() - RANGES[view.range].days * 86400_000);
    return api.get<Health>(`/repositories/${props.id}/health`, { from: from.toISOString(), to: to.toISOString(), interval: view.interval });
  }, [props.id, view.range, view.interval]);
  const action = useAction<Repository>();
  const act = async (fn: () => Promise<Repository>) => {
    if (await action.run(fn)) repo.reload();
  };

  if (repo.error) return <ErrorBox error={repo.error} retry={repo.reload} />;
  if (!repo.data) return <Loading what="the repository" />;
  const r = repo.data;
  const series = health.data?.series ?? [];
  return (
    <>
      <p>
        <Link href="/repositories">Repository health</Link>
      </p>
      <h1>{fullName(r)}</h1>
      <Section
        title="Collection"
        id="collection"
        actions={
          canWrite(session) && (
            <>
              <button type="button" disabled={action.busy} onClick={() => act(() => api.post<Repository>(`/repositories/${r.id}/collect`))}>
                Collect now
              </button>
              <button type="button" disabled={action.busy} onClick={() => act(() => api.patch<Repository>(`/repositories/${r.id}`, { enabled: !r.enabled }))}>
                {r.enabled ? "Pause" : "Resume"}
              </button>
            </>
          )
        }
      >
        {action.error && <ErrorBox error={action.error} />}
        <Facts
          label="Collection"
          rows={[
            ["Collected", r.enabled ? `every ${formatInterval(r.interval_seconds)}` : "paused"],
            ["Last collected", r.collection.last_collected_at ? `${formatTime(r.collection.last_collected_at)} (${formatAgo(r.collection.last_collected_at)})` : "never"],
            ["Next", formatTime(r.collection.next_run_at)],
            ["Failures since", String(r.collection.attempts)],
            ["Last error", r.collection.last_error ?? "–"],
          ]}
        />
      </Section>
      <Section title="Over time" id="health">
        <form class="row" onSubmit={(e) => e.preventDefault()}>
          <label>
            Range
            <select value={view.range} onChange={(e) => setQuery({ range: e.currentTarget.value })}>
              {Object.entries(RANGES).map(([key, r]) => (
                <option key={key} value={key}>
                  {r.label}
                </option>
              ))}
            </select>
          </label>
          <Choice label="Interval" value={view.interval === "raw" ? "" : view.interval} options={INTERVALS.filter((i) => i !== "raw")} any="every collection" onChange={(v) => setQuery({ interval: v })} />
        </form>
        {health.error && <ErrorBox error={health.error} retry={health.reload} />}
        {!health.data && !health.error && <Loading what="the metrics" />}
        {health.data && series.length === 0 && <Empty>Nothing collected in this range yet.</Empty>}
        {health.data && series.length > 0 && (
          <div class="grid" style={{ gridTemplateColumns: "repeat(auto-fit, minmax(460px, 1fr))" }}>
            {CHARTS.map((c) => {
              const data = chartData(series, c.metrics);
              return (
                <div key={c.title}>
                  <h3>{c.title}</h3>
                  {data.x.length === 0 ? (
                    <p class="muted">No value in this range (nothing to average yet).</p>
                  ) : (
                    <Chart
                      title={`${c.title} of ${fullName(r)}`}
                      x={data.x}
                      series={data.series}
                      yLabel={c.unit}
                      yRange={c.yRange}
                      height={220}
                      describe={(s, i) => {
                        const p = data.points[s]?.[i];
                        return p ? [`from ${p.source === "webhooks" ? "wfm's webhooks" : "GitHub's REST API"}${p.complete ? "" : " (a lower bound: a list was cut)"}`] : [];
                      }}
                    />
                  )}
                </div>
              );
            })}
          </div>
        )}
      </Section>
      {health.data && series.length > 0 && (
        <Section title="Newest values" id="latest">
          <div class="table-wrap">
            <table aria-label="Newest values">
              <thead>
                <tr>
                  <th>Metric</th>
                  <th class="num">Value</th>
                  <th>Source</th>
                  <th>At</th>
                </tr>
              </thead>
              <tbody>
                {CHARTS.flatMap((c) => c.metrics).map((m) => {
                  const p = latest(series, m);
                  return (
                    <tr key={m}>
                      <td>
                        <code>github.{m}</code>
                      </td>
                      <td class="num">{p ? formatNumber(p.value) : "–"}</td>
                      <td>{p?.source ?? "–"}</td>
                      <td>{p ? formatTime(p.t) : "–"}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </Section>
      )}
    </>
  );
}
