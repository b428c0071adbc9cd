// Small pieces every page uses: status badges, loading, error and empty states.
import type { ComponentChildren } from "preact";
import { ApiError } from "../api";

const STATUS_CLASS: Record<string, string> = {
  completed: "ok",
  success: "ok",
  succeeded: "ok",
  failed: "bad",
  failure: "bad",
  timed_out: "bad",
  startup_failure: "bad",
  action_required: "warn",
  cancelled: "warn",
  skipped: "muted",
  pending: "info",
  collecting: "info",
  extracting: "info",
  running: "info",
  in_progress: "info",
  queued: "info",
  waiting: "info",
  requested: "info",
  new: "bad",
  acknowledged: "warn",
  ignored: "muted",
  fixed: "ok",
};

export function Status(props: { value: string | null | undefined }) {
  const v = props.value ?? "unknown";
  return <span class={`badge ${STATUS_CLASS[v] ?? "muted"}`}>{v}</span>;
}

export function Loading(props: { what?: string }) {
  return (
    <p class="muted" role="status" aria-live="polite">
      Loading {props.what ?? ""}…
    </p>
  );
}

/** An error with what to do next; a 401 says to enter a token. */
export function ErrorBox(props: { error: Error; retry?: () => void }) {
  const e = props.error;
  const hint =
    e instanceof ApiError && e.status === 401
      ? "This wfm requires a token: use “Token” at the top right."
      : e instanceof ApiError && e.status === 403
        ? "Your token may only read; ask for an admin token to change things."
        : e instanceof ApiError && e.status === 0
          ? "Check that wfm-api is running (scripts/dev starts it)."
          : null;
  return (
    <div class="error" role="alert">
      <strong>{e.message}</strong>
      {hint && <p>{hint}</p>}
      {props.retry && (
        <button type="button" onClick={props.retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty(props: { children: ComponentChildren }) {
  return <div class="empty">{props.children}</div>;
}

export function Section(props: { title: string; actions?: ComponentChildren; children: ComponentChildren; id?: string }) {
  return (
    <section class="card" id={props.id} aria-labelledby={props.id ? `${props.id}-title` : undefined}>
      <header class="card-head">
        <h2 id={props.id ? `${props.id}-title` : undefined}>{props.title}</h2>
        {props.actions && <div class="actions">{props.actions}</div>}
      </header>
      {props.children}
    </section>
  );
}

export function Stat(props: { label: string; value: ComponentChildren }) {
  return (
    <div class="stat">
      <div class="stat-value">{props.value}</div>
      <div class="stat-label">{props.label}</div>
    </div>
  );
}

/** A two-column table of named facts (a config's settings, a run's details). */
export function Facts(props: { label: string; rows: [string, ComponentChildren][] }) {
  return (
    <table aria-label={props.label}>
      <tbody>
        {props.rows.map(([k, v]) => (
          <tr key={k}>
            <th scope="row" style={{ width: "14rem", position: "static" }}>
              {k}
            </th>
            <td>{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A labelled select over `options`, with an "any" choice that means no filter (""). */
export function Choice(props: { label: string; value: string; options: readonly string[]; any?: string; onChange: (value: string) => void }) {
  return (
    <label>
      {props.label}
      <select value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)}>
        <option value="">{props.any ?? "any"}</option>
        {props.options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}
