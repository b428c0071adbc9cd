// Backfill: the newest backfill's progress (GET /backfill/status, polled while
// it runs) with Cancel, and a form that previews (dry_run) or files one.
import { useState } from "preact/hooks";
import { api, ApiError } from "../../api";
import { Empty, ErrorBox, Loading, Section, Stat, Status } from "../../components/ui";
import { useAsync, useInterval, useAction } from "../../hooks";
import { backfillBody, isActive, progressParts, type BackfillForm } from "../../lib/configBackfill";
import { bindingOf } from "../../lib/configSettings";
import type { BackfillProgress, Config, DryRun } from "../../lib/configTypes";
import { formatDuration, formatNumber, formatTime } from "../../lib/format";
import { Link } from "../../router";

export function BackfillTab(props: { config: Config; write: boolean }) {
  const { config: c, write } = props;
  const status = useAsync(
    () =>
      api.get<BackfillProgress>(`/configs/${c.id}/backfill/status`).catch((e) => {
        // "config N has no backfill" is a 404: nothing filed yet, not a failure.
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }),
    [c.id],
  );
  const active = Boolean(status.data && isActive(status.data.state));
  useInterval(status.reload, 3000, active);
  const cancel = useAction<BackfillProgress>();
  const bySet = Boolean(c.runner_set_namespace && c.runner_set_name);

  return (
    <>
      {!bySet && (
        <div class="notice" role="note">
          Backfill reads the runner history of a runner set, and this config is bound to {bindingOf(c)} (webhook-triggered).{" "}
          {write ? (
            <>
              To backfill, bind it to a runner set on the <Link href={`/configs/${c.id}?tab=settings`}>Settings</Link> tab; past runs of a
              repository arrive through its webhooks.
            </>
          ) : (
            "Its past runs arrive through the repository's webhooks."
          )}
        </div>
      )}
      {!c.enabled && (
        <div class="notice" role="note">
          Collection is off for this config, and wfm-backfill fails the backfills of a disabled config.{" "}
          {write ? <>Enable it on the <Link href={`/configs/${c.id}?tab=settings`}>Settings</Link> tab first.</> : "An admin must enable it first."}
        </div>
      )}
      <Section
        id="backfill-status"
        title="Backfill status"
        actions={
          write &&
          active && (
            <button
              type="button"
              class="danger"
              disabled={cancel.busy}
              onClick={async () => {
                // Refreshed either way: a refusal usually means it ended meanwhile.
                await cancel.run(() => api.post<BackfillProgress>(`/configs/${c.id}/backfill/cancel`));
                status.reload();
              }}
            >
              {cancel.busy ? "Cancelling…" : "Cancel backfill"}
            </button>
          )
        }
      >
        {cancel.error && <ErrorBox error={cancel.error} />}
        {status.error && <ErrorBox error={status.error} retry={status.reload} />}
        {status.data === undefined ? (
          !status.error && <Loading what="backfill status" />
        ) : status.data === null ? (
          <Empty>
            No backfill has been filed for this config.{" "}
            {write ? "Preview one below to see which past runners it would collect, then start it." : "An admin can start one."}
          </Empty>
        ) : (
          <ProgressView p={status.data} />
        )}
      </Section>
      {write && <BackfillRequest config={c} onFiled={status.reload} busy={active} />}
    </>
  );
}

function ProgressView(props: { p: BackfillProgress }) {
  const p = props.p;
  const parts = progressParts(p);
  return (
    <div>
      <p style={{ marginTop: 0 }}>
        Backfill {p.id} is <Status value={p.state} />
        {" · "}
        {p.start_time || p.end_time ? `runners finished ${formatTime(p.start_time)} → ${formatTime(p.end_time)}` : "every runner"}
        {p.workload_uids?.length ? ` · ${p.workload_uids.length} named runner(s)` : ""}
        {p.rate_limit_per_minute ? ` · at most ${p.rate_limit_per_minute} runs/min` : ""}
      </p>
      <div
        class="progress"
        role="progressbar"
        aria-label={`Backfill ${p.id} progress`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={parts.percent}
        aria-valuetext={`${formatNumber(p.processed)} of ${formatNumber(p.total)} runners processed (${parts.percent} %)`}
        style={{ display: "flex", height: "14px" }}
      >
        <div style={{ width: `${parts.completed}%`, background: "var(--ok)" }} />
        <div style={{ width: `${parts.failed}%`, background: "var(--bad)" }} />
        <div style={{ width: `${parts.skipped}%`, background: "#9aa5b1" }} />
      </div>
      <p class="muted" style={{ margin: "0.35rem 0 0.75rem" }}>
        {formatNumber(p.processed)} of {formatNumber(p.total)} processed ({parts.percent} %) — green completed, red failed, grey skipped.
        {p.eta_seconds !== null && ` About ${formatDuration(p.eta_seconds)} left.`}
      </p>
      <div class="stats">
        <Stat label="total" value={formatNumber(p.total)} />
        <Stat label="enqueued" value={formatNumber(p.enqueued)} />
        <Stat label="completed" value={formatNumber(p.completed)} />
        <Stat label="failed" value={formatNumber(p.failed)} />
        <Stat label="skipped" value={formatNumber(p.skipped)} />
        <Stat label="pending" value={formatNumber(p.pending)} />
        <Stat label="in flight" value={formatNumber(p.in_flight)} />
      </div>
      <p class="muted">
        Filed {formatTime(p.created_at)}
        {p.requested_by ? ` by ${p.requested_by}` : ""} · started {formatTime(p.started_at)} · finished {formatTime(p.finished_at)}
      </p>
      {p.error_message && (
        <div class="error" role="note">
          <strong>{p.error_message}</strong>
        </div>
      )}
      {p.failed > 0 && (
        <p>
          <Link href={`/configs/${p.config_id}?tab=runs&status=failed`}>See the failed runs</Link> to retry them.
        </p>
      )}
    </div>
  );
}

function BackfillRequest(props: { config: Config; onFiled: () => void; busy: boolean }) {
  const c = props.config;
  const [form, setForm] = useState<BackfillForm>({ start: "", end: "", uids: "", rate: "" });
  const [formError, setFormError] = useState<string | null>(null);
  const [preview, setPreview] = useState<DryRun | null>(null);
  const [filed, setFiled] = useState<string | null>(null);
  const send = useAction<DryRun | BackfillProgress>();
  const set = (k: keyof BackfillForm, v: string) => {
    setForm((f) => ({ ...f, [k]: v }));
    setPreview(null);
  };

  const submit = async (dryRun: boolean) => {
    setFormError(null);
    setFiled(null);
    const b = backfillBody(form, dryRun);
    if (b.error) return setFormError(b.error);
    const res = await send.run(() => api.post<DryRun | BackfillProgress>(`/configs/${c.id}/backfill`, b.body));
    if (!res) return;
    if ("dry_run" in res) setPreview(res);
    else {
      setPreview(null);
      setFiled(`Backfill ${res.id} filed: ${formatNumber(res.total)} runner(s) to collect. Its progress shows above.`);
      props.onFiled();
    }
  };

  return (
    <Section id="backfill-new" title="New backfill">
      <p class="muted" style={{ marginTop: 0 }}>
        Collects past runners of the runner set that no run has collected yet, still subject to the config's filters. Times are UTC; leave a
        bound empty for no limit. Preview first: it writes nothing.
      </p>
      <form class="row" aria-label="Backfill request" onSubmit={(e) => (e.preventDefault(), submit(true))}>
        <label>
          Start (UTC)
          <input type="datetime-local" value={form.start} onInput={(e) => set("start", e.currentTarget.value)} />
        </label>
        <label>
          End (UTC)
          <input type="datetime-local" value={form.end} onInput={(e) => set("end", e.currentTarget.value)} />
        </label>
        <label>
          Runs per minute (optional)
          <input type="number" min={1} step={1} value={form.rate} onInput={(e) => set("rate", e.currentTarget.value)} style={{ width: "9rem" }} />
        </label>
        <label style={{ flex: "1 1 18rem" }}>
          Only these runner uids (optional, one a line)
          <textarea rows={1} value={form.uids} onInput={(e) => set("uids", e.currentTarget.value)} />
        </label>
        <div class="actions">
          <button type="submit" disabled={send.busy}>
            Preview (dry run)
          </button>
          <button type="button" class="primary" disabled={send.busy || props.busy} onClick={() => submit(false)} title={props.busy ? "A backfill is running: cancel it or wait for it to finish" : undefined}>
            Start backfill
          </button>
        </div>
      </form>
      {formError && (
        <div class="error" role="alert" style={{ marginTop: "0.75rem" }}>
          <strong>{formError}</strong>
        </div>
      )}
      {send.error && (
        <div style={{ marginTop: "0.75rem" }}>
          <ErrorBox error={send.error} />
        </div>
      )}
      {filed && (
        <div class="notice" role="status" style={{ marginTop: "0.75rem" }}>
          {filed}
        </div>
      )}
      {preview && <PreviewView preview={preview} />}
    </Section>
  );
}

function PreviewView(props: { preview: DryRun }) {
  const p = props.preview;
  return (
    <div role="status" style={{ marginTop: "0.75rem" }}>
      <p>
        <strong>Dry run:</strong> {formatNumber(p.total)} runner(s) would be collected.{" "}
        {p.total === 0 ? "Widen the time range, or check the runner set and filters on the Settings tab." : "Nothing was written; start the backfill to collect them."}
      </p>
      {p.workloads.length > 0 && (
        <div class="table-wrap">
          <table aria-label="Runners to backfill">
            <caption class="muted" style={{ textAlign: "left", marginBottom: "0.25rem" }}>
              The first {p.workloads.length}, oldest first
            </caption>
            <thead>
              <tr>
                <th>Runner</th>
                <th>Workflow</th>
                <th>Branch</th>
                <th>Status</th>
                <th>Finished</th>
              </tr>
            </thead>
            <tbody>
              {p.workloads.map((w) => (
                <tr key={w.uid}>
                  <td title={w.uid}>{w.name}</td>
                  <td>{w.github_workflow_name ?? "–"}</td>
                  <td>{w.github_head_branch ?? "–"}</td>
                  <td>
                    <Status value={w.status} />
                  </td>
                  <td>{formatTime(w.completed_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
