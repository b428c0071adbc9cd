// CI health (/ci): workflows and jobs from GET /ci-stats (the webhook
// tables) with success rate and duration/queue percentiles, a chart over
// time, and filters in the URL: range, repo, workflow, job, level, sort.
import { useState } from "preact/hooks";
import { api } from "../api";
import { useAsync } from "../hooks";
import { Link, setQuery, useLocation } from "../router";
import { Empty, ErrorBox, Loading, Section, Stat } from "../components/ui";
import { download, toCsv } from "../lib/csv";
import { formatDuration, formatNumber, formatTime } from "../lib/format";
import {
  RANGES,
  ciHref,
  distinct,
  filterJobs,
  formatRate,
  iso,
  parseRange,
  totals,
  type CiRow,
  type CiStats,
} from "../lib/ci";
import { CiTable } from "./ci/CiTable";
import { CiCharts } from "./ci/CiCharts";
import { NoCiData } from "./ci/NoCiData";

export function CiHealth() {
  const { query } = useLocation();
  const range = parseRange(query.get("range"));
  const repo = query.get("repo") || null;
  const workflow = query.get("workflow") || null;
  const job = query.get("job") || null;
  const sort = query.get("sort");
  // The window's end, fixed until "Refresh" so the tables and the chart agree.
  const [now, setNow] = useState(() => Math.floor(Date.now() / 1000));

  const stats = useAsync(async () => {
    const window = { since: iso(now - range.seconds), until: iso(now) };
    // The unfiltered answer fills the menus and tells "no data" from "no match".
    const all = api.get<CiStats>("/ci-stats", window);
    const filtered = repo || workflow ? api.get<CiStats>("/ci-stats", { ...window, repo, workflow }) : all;
    return { all: await all, filtered: await filtered };
  }, [range.key, repo, workflow, now]);

  const hrefOf = (r: CiRow) => ciHref({ range: range.key, repo: r.repository, workflow: r.workflow, job: r.job });

  return (
    <>
      <h1>CI health</h1>
      <div class="card">
        <form class="row" aria-label="CI filters" onSubmit={(e) => e.preventDefault()}>
          <Filters data={stats.data?.all} range={range.key} repo={repo} workflow={workflow} />
          {job && (
            <span class="badge info">
              Job: {job}{" "}
              <button type="button" aria-label={`Clear job filter ${job}`} onClick={() => setQuery({ job: null }, false)}>
                ×
              </button>
            </span>
          )}
          {(repo || workflow || job) && <Link href={ciHref({ range: range.key })}>Clear filters</Link>}
          <button type="button" onClick={() => setNow(Math.floor(Date.now() / 1000))}>
            Refresh
          </button>
          {stats.data && (
            <span class="muted">
              {formatTime(stats.data.filtered.since)} – {formatTime(stats.data.filtered.until)}
            </span>
          )}
        </form>
      </div>
      {stats.error && <ErrorBox error={stats.error} retry={stats.reload} />}
      {!stats.data && !stats.error && <Loading what="CI statistics" />}
      {stats.data && body(stats.data)}
    </>
  );

  // A render function, not a component: a nested component type would remount the charts on every render.
  function body(data: { all: CiStats; filtered: CiStats }) {
    if (!data.all.workflows.length && !data.all.jobs.length) return <NoCiData range={range} />;
    const workflows = data.filtered.workflows;
    const jobs = filterJobs(data.filtered.jobs, job);
    if (!workflows.length && !jobs.length)
      return (
        <Empty>
          <p>
            Nothing matches {[repo && `repository ${repo}`, workflow && `workflow ${workflow}`, job && `job ${job}`].filter(Boolean).join(", ")}{" "}
            in the {range.label.toLowerCase()}.
          </p>
          <Link href={ciHref({ range: range.key })}>Show every workflow</Link>
        </Empty>
      );
    // The chart follows the jobs when a job is chosen or when only job events arrive.
    const level = query.get("level") === "jobs" || job || !workflows.length ? "jobs" : "workflows";
    const wt = totals(workflows);
    const jt = totals(jobs);
    const levelRows = level === "jobs" ? jobs : workflows;
    const duration = levelRows.length === 1 ? levelRows[0].duration_seconds : null;
    return (
      <>
        <div class="stats card" aria-label="Summary">
          <Stat label="workflow runs" value={formatNumber(wt.runs)} />
          <Stat label="workflow success rate" value={formatRate(wt.successRate)} />
          <Stat label="jobs" value={formatNumber(jt.runs)} />
          <Stat label="job success rate" value={formatRate(jt.successRate)} />
          <Stat label="failed jobs" value={formatNumber(jt.failures)} />
          {duration && <Stat label="duration p50 / p95" value={`${formatDuration(duration.p50)} / ${formatDuration(duration.p95)}`} />}
        </div>
        <Section
          id="ci-trend"
          title="Over time"
          actions={
            <label>
              Chart of
              <select
                value={level}
                disabled={!!job || !workflows.length}
                onChange={(e) => setQuery({ level: e.currentTarget.value === "jobs" ? "jobs" : null })}
              >
                <option value="workflows">workflow runs</option>
                <option value="jobs">jobs</option>
              </select>
            </label>
          }
        >
          <CiCharts range={range} now={now} repo={repo} workflow={workflow} job={job} level={level} rows={levelRows} />
        </Section>
        <Section id="ci-workflows" title={`Workflows (${workflows.length})`} actions={<CsvButton name="workflows" rows={workflows} />}>
          {workflows.length ? (
            <CiTable label="Workflows" rows={workflows} jobs={false} sort={sort} hrefOf={hrefOf} current={(r) => r.workflow === workflow} />
          ) : (
            <p class="notice">
              No workflow runs: this table comes from GitHub's <code>workflow_run</code> events, and wfm has received only{" "}
              <code>workflow_job</code> events (as the demo sends). Tick “Workflow runs” among the webhook's events to fill it; the jobs
              below are complete.
            </p>
          )}
        </Section>
        <Section id="ci-jobs" title={`Jobs (${jobs.length})`} actions={<CsvButton name="jobs" rows={jobs} />}>
          {jobs.length ? (
            <CiTable label="Jobs" rows={jobs} jobs sort={sort} hrefOf={hrefOf} current={(r) => r.job === job} />
          ) : (
            <p class="notice">
              No jobs: they come from <code>workflow_job</code> events; tick “Workflow jobs” among the webhook's events.
            </p>
          )}
        </Section>
      </>
    );
  }
}

/** Repository, workflow and range menus; choices go to the URL. */
function Filters(props: { data: CiStats | undefined; range: string; repo: string | null; workflow: string | null }) {
  const rows = props.data ? [...props.data.workflows, ...props.data.jobs] : [];
  // A value from the URL stays selectable even when the window has no rows of it.
  const repos = distinct([...rows.map((r) => r.repository), props.repo ?? ""]);
  const workflows = distinct([
    ...rows.filter((r) => !props.repo || r.repository.toLowerCase() === props.repo.toLowerCase()).map((r) => r.workflow),
    props.workflow ?? "",
  ]);
  return (
    <>
      <label>
        Repository
        <select value={props.repo ?? ""} onChange={(e) => setQuery({ repo: e.currentTarget.value, workflow: null, job: null }, false)}>
          <option value="">All repositories</option>
          {repos.map((r) => (
            <option value={r}>{r}</option>
          ))}
        </select>
      </label>
      <label>
        Workflow
        <select value={props.workflow ?? ""} onChange={(e) => setQuery({ workflow: e.currentTarget.value, job: null }, false)}>
          <option value="">All workflows</option>
          {workflows.map((w) => (
            <option value={w}>{w}</option>
          ))}
        </select>
      </label>
      <label>
        Time range
        <select value={props.range} onChange={(e) => setQuery({ range: e.currentTarget.value }, false)}>
          {RANGES.map((r) => (
            <option value={r.key}>{r.label}</option>
          ))}
        </select>
      </label>
    </>
  );
}

function CsvButton(props: { name: string; rows: CiRow[] }) {
  const save = () =>
    download(
      `ci-${props.name}.csv`,
      toCsv(
        ["repository", "workflow", "job", "runs", "failures", "success_rate", "duration_p50_s", "duration_p95_s", "duration_max_s", "queue_p50_s", "queue_p95_s"],
        props.rows.map((r) => [
          r.repository,
          r.workflow,
          r.job,
          r.runs,
          r.failures,
          r.success_rate,
          r.duration_seconds.p50,
          r.duration_seconds.p95,
          r.duration_seconds.max,
          r.queue_seconds.p50,
          r.queue_seconds.p95,
        ]),
      ),
    );
  return (
    <button type="button" onClick={save} disabled={!props.rows.length} aria-label={`Download ${props.name} as CSV`}>
      CSV
    </button>
  );
}
