// Runs: the config's runs with status/trigger filters and paging from the
// query, a Retry per failed run, batch retry, and a run's detail (?run=N).
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../../api";
import { Choice, Empty, ErrorBox, Loading, Section, Status } from "../../components/ui";
import { useAsync, useInterval, useAction } from "../../hooks";
import { isFinal, nextOffset, PAGE_SIZES, pageLabel, prevOffset, runQueryOf } from "../../lib/configRuns";
import { RUN_STATUSES, TRIGGER_SOURCES, type Config, type Page, type Run } from "../../lib/configTypes";
import { formatAgo, formatNumber, formatTime } from "../../lib/format";
import { Link, setQuery } from "../../router";
import { RunFacts } from "./RunDetail";

interface RunList extends Page {
  runs: Run[];
}

export function RunsTab(props: { config: Config; write: boolean; query: URLSearchParams }) {
  const { config: c, write } = props;
  const q = runQueryOf(props.query);
  const list = useAsync(
    () => api.get<RunList>(`/configs/${c.id}/runs`, { status: q.status, trigger_source: q.trigger, offset: q.offset, limit: q.limit }),
    [c.id, q.status, q.trigger, q.offset, q.limit],
  );
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [notice, setNotice] = useState<string | null>(null);
  const retry = useAction<unknown>();
  const runs = list.data?.runs ?? [];
  // Runs still moving are refreshed until they settle.
  useInterval(list.reload, 5000, runs.some((r) => !isFinal(r.status)));
  useEffect(() => setSelected(new Set()), [q.status, q.trigger, q.offset, q.limit]);

  const here = (changes: Record<string, string | null>) => {
    const p = new URLSearchParams(props.query);
    for (const [k, v] of Object.entries(changes)) v === null ? p.delete(k) : p.set(k, v);
    return `/configs/${c.id}?${p.toString()}`;
  };
  const after = (message: string) => {
    setNotice(message);
    setSelected(new Set());
    list.reload();
  };
  const retryOne = async (id: number) => {
    setNotice(null);
    if (await retry.run(() => api.post(`/configs/${c.id}/runs/${id}/retry`))) after(`Run ${id} is back in the queue (pending).`);
  };
  const retryMany = async (ids?: number[]) => {
    setNotice(null);
    const done = (await retry.run(() => api.post(`/configs/${c.id}/runs/batch-retry`, ids ? { run_ids: ids } : {}))) as { retried: number } | undefined;
    if (done) after(done.retried ? `${done.retried} failed run(s) put back in the queue.` : "No failed runs to retry.");
  };
  const failedHere = runs.filter((r) => r.status === "failed");

  return (
    <>
      {q.run !== null && <RunDetailCard configId={c.id} runId={q.run} closeHref={here({ run: null })} />}
      <Section
        id="runs"
        title="Runs"
        actions={
          write && (
            <>
              <button type="button" disabled={retry.busy || selected.size === 0} onClick={() => retryMany([...selected])}>
                Retry selected ({selected.size})
              </button>
              <button type="button" disabled={retry.busy} onClick={() => retryMany()}>
                Retry all failed
              </button>
            </>
          )
        }
      >
        <form class="row" style={{ marginBottom: "0.75rem" }} aria-label="Run filters" onSubmit={(e) => e.preventDefault()}>
          <Choice label="Status" value={q.status} options={RUN_STATUSES} onChange={(v) => setQuery({ status: v, offset: null, run: null })} />
          <Choice label="Trigger" value={q.trigger} options={TRIGGER_SOURCES} onChange={(v) => setQuery({ trigger: v, offset: null, run: null })} />
          <label>
            Per page
            <select value={String(q.limit)} onChange={(e) => setQuery({ limit: e.currentTarget.value === "20" ? null : e.currentTarget.value, offset: null })}>
              {PAGE_SIZES.map((n) => (
                <option key={n} value={String(n)}>
                  {n}
                </option>
              ))}
            </select>
          </label>
        </form>
        {notice && (
          <div class="notice" role="status">
            {notice}
          </div>
        )}
        {retry.error && <ErrorBox error={retry.error} />}
        {list.error && <ErrorBox error={list.error} retry={list.reload} />}
        {!list.data ? (
          !list.error && <Loading what="runs" />
        ) : runs.length === 0 ? (
          <Empty>
            {q.status || q.trigger ? (
              <>
                No {[q.status, q.trigger].filter(Boolean).join(" ")} runs match. <Link href={here({ status: null, trigger: null, offset: null })}>Show every run</Link>.
              </>
            ) : (
              <>
                This config has no runs yet: they appear when a matching runner finishes.{" "}
                {write && (
                  <>
                    Collect one now with <Link href={`/configs/${c.id}?tab=settings`}>Test</Link>, or backfill past runners on the{" "}
                    <Link href={`/configs/${c.id}?tab=backfill`}>Backfill</Link> tab.
                  </>
                )}
              </>
            )}
          </Empty>
        ) : (
          <>
            <div class="table-wrap">
              <table aria-label="Runs">
                <thead>
                  <tr>
                    {write && (
                      <th>
                        <input
                          type="checkbox"
                          aria-label="Select every failed run on this page"
                          disabled={failedHere.length === 0}
                          checked={failedHere.length > 0 && failedHere.every((r) => selected.has(r.id))}
                          onChange={(e) => setSelected(new Set(e.currentTarget.checked ? failedHere.map((r) => r.id) : []))}
                        />
                      </th>
                    )}
                    <th class="num">Run</th>
                    <th>Status</th>
                    <th>Trigger</th>
                    <th>Runner</th>
                    <th class="num">Files found / processed</th>
                    <th class="num">Records</th>
                    <th>Error</th>
                    <th>Queued</th>
                    <th>Collected</th>
                    {write && <th>Actions</th>}
                  </tr>
                </thead>
                <tbody>
                  {runs.map((r) => (
                    <tr key={r.id} aria-current={r.id === q.run ? "true" : undefined} style={r.id === q.run ? { background: "#eef4ff" } : undefined}>
                      {write && (
                        <td>
                          {r.status === "failed" && (
                            <input
                              type="checkbox"
                              aria-label={`Select run ${r.id}`}
                              checked={selected.has(r.id)}
                              onChange={(e) => {
                                const next = new Set(selected);
                                e.currentTarget.checked ? next.add(r.id) : next.delete(r.id);
                                setSelected(next);
                              }}
                            />
                          )}
                        </td>
                      )}
                      <td class="num">
                        <Link href={here({ run: String(r.id) })} aria-label={`Run ${r.id} details`}>
                          {r.id}
                        </Link>
                      </td>
                      <td>
                        <Status value={r.status} />
                      </td>
                      <td>{r.trigger_source}</td>
                      <td title={r.workload_uid} style={{ whiteSpace: "nowrap" }}>
                        {r.workload_name || r.workload_uid}
                      </td>
                      <td class="num">
                        {r.files_found} / {r.files_processed}
                      </td>
                      <td class="num">{formatNumber(r.metrics_count)}</td>
                      <td style={{ maxWidth: "22rem", color: r.error_message ? "var(--bad)" : undefined }}>
                        {r.error_message ? <span title={r.error_message}>{clip(r.error_message, 90)}</span> : <span class="muted">–</span>}
                      </td>
                      <td title={formatTime(r.created_at)} style={{ whiteSpace: "nowrap" }}>
                        {formatAgo(r.created_at)}
                      </td>
                      <td style={{ whiteSpace: "nowrap" }}>{formatTime(r.collection_completed_at)}</td>
                      {write && (
                        <td>
                          {r.status === "failed" && (
                            <button type="button" disabled={retry.busy} onClick={() => retryOne(r.id)} aria-describedby={`run-${r.id}-id`}>
                              Retry
                            </button>
                          )}
                          <span id={`run-${r.id}-id`} hidden>
                            run {r.id}
                          </span>
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <nav class="row" aria-label="Run pages" style={{ marginTop: "0.75rem", alignItems: "center" }}>
              <span class="muted">{pageLabel(q.offset, runs.length, list.data.total)}</span>
              <PageLink to={prevOffset(q.offset, q.limit)} href={here} label="Previous page" />
              <PageLink to={nextOffset(q.offset, q.limit, list.data.total)} href={here} label="Next page" />
            </nav>
          </>
        )}
      </Section>
    </>
  );
}

function PageLink(props: { to: number | null; href: (c: Record<string, string | null>) => string; label: string }) {
  if (props.to === null) return <span class="muted">{props.label}</span>;
  return <Link href={props.href({ offset: props.to ? String(props.to) : null, run: null })}>{props.label}</Link>;
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** GET /configs/{id}/runs/{run_id}, followed while the run moves. */
function RunDetailCard(props: { configId: number; runId: number; closeHref: string }) {
  const run = useAsync(() => api.get<Run>(`/configs/${props.configId}/runs/${props.runId}`), [props.configId, props.runId]);
  useInterval(run.reload, 3000, run.data !== undefined && !isFinal(run.data.status));
  const heading = useRef<HTMLHeadingElement>(null);
  // Opening a run moves focus to it, so keyboard users land on what they asked for.
  useEffect(() => heading.current?.focus(), [props.runId]);
  return (
    <section class="card" aria-labelledby="run-detail-title">
      <header class="card-head">
        <h2 id="run-detail-title" tabIndex={-1} ref={heading}>
          Run {props.runId}
        </h2>
        <div class="actions">
          <Link href={props.closeHref}>Close run details</Link>
        </div>
      </header>
      {run.error ? (
        <ErrorBox error={run.error} retry={run.reload} />
      ) : !run.data || run.data.id !== props.runId ? (
        <Loading what={`run ${props.runId}`} />
      ) : (
        <RunFacts run={run.data} />
      )}
    </section>
  );
}
