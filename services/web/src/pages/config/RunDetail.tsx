// What one run did: its times, counts and error, and how each file was read.
import type { ComponentChildren } from "preact";
import { Facts, Status } from "../../components/ui";
import { formatDuration, formatNumber, formatTime } from "../../lib/format";
import { secondsBetween } from "../../lib/configRuns";
import type { FileExtraction, Run } from "../../lib/configTypes";

export function RunFacts(props: { run: Run }) {
  const r = props.run;
  const rows: [string, ComponentChildren][] = [
    ["Status", <Status value={r.status} />],
    ["Trigger", r.trigger_source],
    ["Runner", r.workload_name ? `${r.workload_name} (${r.workload_uid})` : r.workload_uid],
    ["GitHub run / job", `${r.github_run_id ?? "–"} / ${r.github_job_id ?? "–"}`],
    ["Branch / commit", `${r.head_branch ?? "–"} / ${r.head_sha ? r.head_sha.slice(0, 12) : "–"}`],
    ["Files found / processed", `${r.files_found} / ${r.files_processed}`],
    ["Records", formatNumber(r.metrics_count)],
    ["Lowest confidence", r.extraction_confidence === null ? "–" : formatNumber(r.extraction_confidence)],
    ["Attempts", `${r.retry_count} of ${r.max_retries} retries used`],
    ["Runner ran", `${formatTime(r.workload_started_at)} → ${formatTime(r.workload_completed_at)}`],
    [
      "Collected",
      `${formatTime(r.collection_started_at)} → ${formatTime(r.collection_completed_at)} (${formatDuration(secondsBetween(r.collection_started_at, r.collection_completed_at))})`,
    ],
    ["Queued", formatTime(r.created_at)],
  ];
  if (r.backfill_id !== null) rows.push(["Backfill", String(r.backfill_id)]);
  return (
    <div>
      {r.error_message && (
        <div class="error" role="note">
          <strong>Error:</strong> {r.error_message}
        </div>
      )}
      <Facts label={`Run ${r.id} facts`} rows={rows} />
      <FilesRead files={r.extraction} />
    </div>
  );
}

export function FilesRead(props: { files: FileExtraction[] | null }) {
  const files = props.files ?? [];
  if (!files.length) {
    return <p class="muted">No per-file report: it is written when a run completes.</p>;
  }
  return (
    <>
      <h3>Files read</h3>
      <div class="table-wrap">
        <table aria-label="Files read">
          <thead>
            <tr>
              <th>File</th>
              <th>Format</th>
              <th>Read by</th>
              <th class="num">Records</th>
              <th class="num">Confidence</th>
              <th>Notes</th>
            </tr>
          </thead>
          <tbody>
            {files.map((f) => (
              <tr key={f.path}>
                <td>
                  <code>{f.path}</code>
                </td>
                <td>{f.format ?? "–"}</td>
                <td>{f.name ? `${f.method} (${f.name})` : (f.method ?? "–")}</td>
                <td class="num">{formatNumber(f.records)}</td>
                <td class="num">{formatNumber(f.confidence)}</td>
                <td>
                  {(f.warnings ?? []).map((w) => (
                    <div key={w} style={{ color: "var(--warn)" }}>
                      {w}
                    </div>
                  ))}
                  {(f.reasons ?? []).length > 0 && <div class="muted">{(f.reasons ?? []).join("; ")}</div>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
