// Runner observability, from what GitHub's webhooks told wfm: the
// organizations whose runs arrived and the GitHub App's installations, then
// an organization's repositories. A repository's runs, a run's jobs and a
// job's page are in ./actions.
import { api } from "../api";
import { Empty, ErrorBox, Loading, Section } from "../components/ui";
import { useAsync } from "../hooks";
import { failureShare, installationClass, installationsByAccount, ownerHref, repositoryHref, type Installation, type Organization, type RepositorySummary } from "../lib/actions";
import { formatAgo, formatNumber, formatTime } from "../lib/format";
import { Link } from "../router";
import { Crumbs } from "./actions/parts";

export { RepositoryRuns, RunPage } from "./actions/Runs";
export { JobPage } from "./actions/Job";

export function Actions() {
  const orgs = useAsync(() => api.get<{ organizations: Organization[] }>("/actions/organizations"), []);
  const installs = useAsync(() => api.get<{ installations: Installation[] }>("/actions/installations"), []);
  return (
    <>
      <h1>Actions</h1>
      <p class="muted">
        GitHub Actions as wfm's webhooks recorded it: organizations → repositories → workflow runs → jobs, each job with its steps, runner, log, resource samples and
        analyses.
      </p>
      <Section title="Organizations" id="organizations">
        {orgs.error && <ErrorBox error={orgs.error} retry={orgs.reload} />}
        {!orgs.data && !orgs.error && <Loading what="organizations" />}
        {orgs.data && orgs.data.organizations.length === 0 && (
          <Empty>
            No workflow run was recorded yet. Point a GitHub webhook (events <strong>Workflow jobs</strong> and <strong>Workflow runs</strong>) at{" "}
            <code>{window.location.origin}/v1/webhooks/github</code> with a secret listed in <code>WFM_WEBHOOK_SECRETS</code>; <code>wfm demo</code> sends some.
          </Empty>
        )}
        {orgs.data && orgs.data.organizations.length > 0 && (
          <div class="table-wrap">
            <table aria-label="Organizations">
              <thead>
                <tr>
                  <th>Organization</th>
                  <th class="num">Repositories</th>
                  <th class="num">Runs</th>
                  <th class="num">Failed runs</th>
                  <th>Last run</th>
                </tr>
              </thead>
              <tbody>
                {orgs.data.organizations.map((o) => (
                  <tr key={o.owner}>
                    <td>
                      <Link href={ownerHref(o.owner)}>{o.owner}</Link>
                    </td>
                    <td class="num">{formatNumber(o.repositories)}</td>
                    <td class="num">{formatNumber(o.runs)}</td>
                    <td class={`num${o.failed_runs ? " bad" : ""}`}>{failureShare(o.failed_runs, o.runs)}</td>
                    <td title={formatTime(o.last_run_at)}>{formatAgo(o.last_run_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>
      <Section title="GitHub App installations" id="installations">
        {installs.error && <ErrorBox error={installs.error} retry={installs.reload} />}
        {!installs.data && !installs.error && <Loading what="installations" />}
        {installs.data && installs.data.installations.length === 0 && (
          <Empty>
            No installation was reported. A GitHub App whose webhook points at wfm sends <code>installation</code> and <code>installation_repositories</code> events when
            it is installed or given repositories.
          </Empty>
        )}
        {installs.data && installs.data.installations.length > 0 && <Installations list={installs.data.installations} />}
      </Section>
    </>
  );
}

function Installations(props: { list: Installation[] }) {
  return (
    <div class="table-wrap">
      <table aria-label="Installations">
        <thead>
          <tr>
            <th>Account</th>
            <th>Installation</th>
            <th>State</th>
            <th>Repositories</th>
            <th>Since</th>
          </tr>
        </thead>
        <tbody>
          {installationsByAccount(props.list).flatMap(([account, items]) =>
            items.map((i) => (
              <tr key={i.installation_id} class={i.state === "deleted" ? "muted" : undefined}>
                <td>
                  {account}
                  {i.account_type && <span class="muted"> ({i.account_type})</span>}
                </td>
                <td>
                  #{i.installation_id}
                  {i.app_id !== null && <span class="muted"> app {i.app_id}</span>}
                </td>
                <td>
                  <span class={`badge ${installationClass(i.state)}`}>{i.state}</span>
                  {i.state === "suspended" && <span class="muted"> {formatTime(i.suspended_at)}</span>}
                  {i.state === "deleted" && <span class="muted"> {formatTime(i.deleted_at)}</span>}
                </td>
                <td>
                  {i.repository_selection === "all" && <span class="badge info">all repositories</span>}{" "}
                  {i.repositories.map((r, k) => (
                    <span key={r.id}>
                      {k > 0 && ", "}
                      <Link href={repositoryHref(r.full_name)}>{r.full_name}</Link>
                    </span>
                  ))}
                  {i.repositories.length === 0 && i.repository_selection !== "all" && <span class="muted">none</span>}
                </td>
                <td>{formatTime(i.created_at)}</td>
              </tr>
            )),
          )}
        </tbody>
      </table>
    </div>
  );
}

export function OwnerPage(props: { owner: string }) {
  const repos = useAsync(() => api.get<{ repositories: RepositorySummary[] }>(`/actions/organizations/${encodeURIComponent(props.owner)}/repositories`), [props.owner]);
  return (
    <>
      <Crumbs />
      <h1>{props.owner}</h1>
      <Section title="Repositories" id="repositories">
        {repos.error && <ErrorBox error={repos.error} retry={repos.reload} />}
        {!repos.data && !repos.error && <Loading what="repositories" />}
        {repos.data && (
          <div class="table-wrap">
            <table aria-label="Repositories">
              <thead>
                <tr>
                  <th>Repository</th>
                  <th class="num">Runs</th>
                  <th class="num">Failed runs</th>
                  <th class="num">Jobs</th>
                  <th>Last run</th>
                </tr>
              </thead>
              <tbody>
                {repos.data.repositories.map((r) => (
                  <tr key={r.repository}>
                    <td>
                      <Link href={repositoryHref(r.repository)}>{r.repository}</Link>
                    </td>
                    <td class="num">{formatNumber(r.runs)}</td>
                    <td class={`num${r.failed_runs ? " bad" : ""}`}>{failureShare(r.failed_runs, r.runs)}</td>
                    <td class="num">{formatNumber(r.jobs)}</td>
                    <td title={formatTime(r.last_run_at)}>{formatAgo(r.last_run_at)}</td>
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

