// A job's runner resources (GET /actions/jobs/{id}/resources): CPU and
// memory over the job, with the mean and the peaks the API works out.
import { useMemo } from "preact/hooks";
import { api } from "../../api";
import { Chart } from "../../components/Chart";
import { Empty, ErrorBox, Loading, Section, Stat } from "../../components/ui";
import { useAsync } from "../../hooks";
import { formatBytes, resourceCharts, type JobResources, type JobView } from "../../lib/actions";
import { formatNumber } from "../../lib/format";

const pct = (v: number | null) => (v === null ? "–" : `${formatNumber(v)} %`);

export function Resources(props: { job: JobView }) {
  const res = useAsync(() => api.get<JobResources>(`/actions/jobs/${props.job.github_job_id}/resources`), [props.job.github_job_id]);
  const s = res.data?.summary;
  // the same arrays while the samples are the same: a new one redraws the chart
  const charts = useMemo(() => (res.data ? resourceCharts(res.data.samples) : null), [res.data]);
  return (
    <Section title="Resources" id="resources">
      {res.error && <ErrorBox error={res.error} retry={res.reload} />}
      {!res.data && !res.error && <Loading what="resource samples" />}
      {res.data && res.data.samples.length === 0 && (
        <Empty>
          No resource sample of runner <code>{props.job.runner_name ?? "?"}</code> was recorded while this job ran. A step can post them to{" "}
          <code>POST /v1/github-workflow-metrics/actions/runner-metrics</code> (with a token from <code>WFM_RUNNER_METRICS_TOKENS</code>), or wfm-scanner reads them
          from Kubernetes for ARC runners.
        </Empty>
      )}
      {s && charts && res.data!.samples.length > 0 && (
        <>
          <div class="stats" aria-label="Resource summary" role="group">
            <Stat label="samples" value={formatNumber(s.samples)} />
            <Stat label="CPU mean" value={pct(s.cpu_mean_percent)} />
            <Stat label="CPU peak" value={pct(s.cpu_max_percent)} />
            <Stat label="memory peak" value={formatBytes(s.memory_max_used_bytes)} />
            <Stat label="memory peak, of the runner's" value={s.memory_max_fraction === null ? "–" : `${formatNumber(s.memory_max_fraction * 100)} %`} />
          </div>
          <div class="grid" style={{ gridTemplateColumns: "repeat(auto-fit, minmax(460px, 1fr))", marginTop: "1rem" }}>
            <div>
              <h3>CPU</h3>
              {charts.cpu.x.length ? (
                <Chart title={`CPU of ${props.job.job_name}`} x={charts.cpu.x} series={charts.cpu.series} yLabel="%" yRange={[0, 100]} height={220} />
              ) : (
                <p class="muted">No sample measured the CPU.</p>
              )}
            </div>
            <div>
              <h3>Memory</h3>
              {charts.memory.x.length ? (
                <Chart title={`Memory of ${props.job.job_name}`} x={charts.memory.x} series={charts.memory.series} yLabel="GiB" height={220} />
              ) : (
                <p class="muted">No sample measured the memory.</p>
              )}
            </div>
          </div>
        </>
      )}
    </Section>
  );
}
