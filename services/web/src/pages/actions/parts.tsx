// What the Actions pages share: the way back up (Actions › owner ›
// repository › run) and a run's or job's outcome badge.
import { Status } from "../../components/ui";
import { Link } from "../../router";
import { outcome, ownerHref, repositoryHref, runHref, splitRepository } from "../../lib/actions";

export function Crumbs(props: { owner?: string; repository?: string; run?: { id: number; attempt: number | null } }) {
  const owner = props.owner ?? (props.repository ? splitRepository(props.repository)?.[0] : undefined);
  const items: [string, string][] = [["/actions", "Actions"]];
  if (owner) items.push([ownerHref(owner), owner]);
  if (props.repository) items.push([repositoryHref(props.repository), props.repository]);
  if (props.repository && props.run) items.push([runHref(props.repository, props.run.id, props.run.attempt), `run ${props.run.id}`]);
  return (
    <nav aria-label="Breadcrumb">
      <p>
        {items.map(([href, label], i) => (
          <span key={href}>
            {i > 0 && <span class="muted"> › </span>}
            <Link href={href}>{label}</Link>
          </span>
        ))}
      </p>
    </nav>
  );
}

/** A run's or job's state: the conclusion once completed, else the status. */
export function Outcome(props: { status: string; conclusion: string | null }) {
  return <Status value={outcome(props)} />;
}
