// One ci-stats table (workflows or jobs): sortable headers whose order lives
// in the URL (`sort`), each row linking to the view filtered to it.
import { Link, setQuery } from "../../router";
import { formatDuration, formatNumber } from "../../lib/format";
import { formatRate, parseSort, rateClass, sortRows, type CiRow, type SortKey } from "../../lib/ci";

// A header button that looks like the header (style.css has no such class; it is shared).
const HEADER_BUTTON = { border: "none", background: "none", padding: 0, font: "inherit", color: "inherit", fontWeight: 600, cursor: "pointer" };

interface Column {
  key: SortKey | null;
  label: string;
  num?: boolean;
}

export function CiTable(props: {
  label: string;
  rows: CiRow[];
  jobs: boolean;
  sort: string | null;
  /** The filtered view a row links to. */
  hrefOf: (r: CiRow) => string;
  /** The row shown (highlighted) in the current filter, if any. */
  current?: (r: CiRow) => boolean;
}) {
  const { key, desc } = parseSort(props.sort);
  const rows = sortRows(props.rows, key, desc);
  const columns: Column[] = [
    { key: "name", label: "Repository" },
    { key: null, label: "Workflow" },
    ...(props.jobs ? [{ key: null, label: "Job" }] : []),
    { key: "runs", label: "Runs", num: true },
    { key: "failures", label: "Failures", num: true },
    { key: "success_rate", label: "Success rate", num: true },
    { key: "duration_p50", label: "Duration p50", num: true },
    { key: "duration_p95", label: "Duration p95", num: true },
    { key: null, label: "Duration max", num: true },
    { key: null, label: "Queue p50", num: true },
    { key: "queue_p95", label: "Queue p95", num: true },
  ];
  // Numbers sort largest first on the first click: what one looks for in health tables.
  const toggle = (k: SortKey) => {
    const next = k === key ? !desc : k !== "name";
    setQuery({ sort: k === "name" && !next ? null : `${next ? "-" : ""}${k}` });
  };
  return (
    <div class="table-wrap">
      <table aria-label={props.label}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th
                scope="col"
                class={c.num ? "num" : undefined}
                aria-sort={c.key && c.key === key ? (desc ? "descending" : "ascending") : undefined}
              >
                {c.key ? (
                  <button type="button" style={HEADER_BUTTON} onClick={() => toggle(c.key!)} title={`Sort by ${c.label.toLowerCase()}`}>
                    {c.label}
                    {c.key === key ? (desc ? " ▼" : " ▲") : ""}
                  </button>
                ) : (
                  c.label
                )}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr aria-current={props.current?.(r) ? "true" : undefined}>
              <td>{r.repository}</td>
              <td>
                {/* In the jobs table the workflow links to the workflow's view, the job to the job's. */}
                <Link href={props.hrefOf({ ...r, job: undefined })}>{r.workflow || "(unnamed)"}</Link>
              </td>
              {props.jobs && (
                <td>
                  <Link href={props.hrefOf(r)}>{r.job || "(unnamed)"}</Link>
                </td>
              )}
              <td class="num">{formatNumber(r.runs)}</td>
              <td class="num">{r.failures ? <span class="badge bad">{formatNumber(r.failures)}</span> : "0"}</td>
              <td class="num">
                <span class={`badge ${rateClass(r.success_rate)}`}>{formatRate(r.success_rate)}</span>
              </td>
              <td class="num">{formatDuration(r.duration_seconds.p50)}</td>
              <td class="num">{formatDuration(r.duration_seconds.p95)}</td>
              <td class="num">{formatDuration(r.duration_seconds.max)}</td>
              <td class="num">{formatDuration(r.queue_seconds.p50)}</td>
              <td class="num">{formatDuration(r.queue_seconds.p95)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
