// The console's frame: navigation, the token prompt, and the page the URL names.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, getToken, setToken, type Session } from "./api";
import { Link, match, useLocation } from "./router";
import { SessionContext } from "./session";
import { Overview } from "./pages/Overview";
import { ConfigPage } from "./pages/Config";
import { Explorer } from "./pages/Explorer";
import { Runs } from "./pages/Runs";
import { CiHealth } from "./pages/CiHealth";
import { RunnerSets, RunnerSet } from "./pages/RunnerSets";
import { Changes, ChangeDetail } from "./pages/Changes";
import { Compare } from "./pages/Compare";
import { Repositories, RepositoryPage } from "./pages/Repositories";
import { Actions, JobPage, OwnerPage, RepositoryRuns, RunPage } from "./pages/Actions";

const NAV: [string, string][] = [
  ["/", "Overview"],
  ["/explore", "Metrics explorer"],
  ["/changes", "Changes"],
  ["/runs", "Runs"],
  ["/ci", "CI health"],
  ["/runner-sets", "Runner sets"],
  ["/repositories", "Repositories"],
  ["/actions", "Actions"],
];

const isId = (s: string) => /^[0-9]{1,18}$/.test(s);

function page(path: string) {
  let m: Record<string, string> | null;
  if (path === "/") return <Overview />;
  if ((m = match("/configs/:id", path))) return <ConfigPage id={Number(m.id)} />;
  if (path === "/explore") return <Explorer />;
  if (path === "/runs") return <Runs />;
  if (path === "/changes") return <Changes />;
  if ((m = match("/changes/:id", path))) return <ChangeDetail id={Number(m.id)} />;
  if (path === "/compare") return <Compare />;
  if (path === "/ci") return <CiHealth />;
  if (path === "/runner-sets") return <RunnerSets />;
  if (path === "/repositories") return <Repositories />;
  if ((m = match("/repositories/:id", path))) return <RepositoryPage id={Number(m.id)} />;
  if ((m = match("/runner-sets/:namespace/:name", path))) return <RunnerSet namespace={m.namespace} name={m.name} />;
  if (path === "/actions") return <Actions />;
  // a job before a repository: /actions/jobs/123 has as many segments as /actions/OWNER/NAME
  if ((m = match("/actions/jobs/:id", path)) && isId(m.id)) return <JobPage id={Number(m.id)} />;
  if ((m = match("/actions/:owner", path))) return <OwnerPage owner={m.owner} />;
  if ((m = match("/actions/:owner/:name", path))) return <RepositoryRuns owner={m.owner} name={m.name} />;
  if ((m = match("/actions/:owner/:name/runs/:run", path)) && isId(m.run)) return <RunPage owner={m.owner} name={m.name} run={Number(m.run)} />;
  return (
    <div class="empty">
      <h1>Page not found</h1>
      <p>
        Nothing lives at <code>{path}</code>. <Link href="/">Go to the overview</Link>.
      </p>
    </div>
  );
}

export function App() {
  const loc = useLocation();
  const [session, setSession] = useState<Session | null>(null);
  const [asking, setAsking] = useState(false);
  // a new token remounts the page, so what failed without one loads again
  const [epoch, setEpoch] = useState(0);

  const asked = useRef(0);
  const refresh = () => {
    const mine = ++asked.current;
    api.get<Session>("/session").then(
      (s) => {
        if (mine !== asked.current) return;
        setSession(s);
        // a sample token may only post samples: ask for one that reads
        setAsking(s.role === "none" || s.role === "samples");
      },
      // unreachable or failing: unknown, and the pages show their own errors
      () => mine === asked.current && setSession(null),
    );
  };
  useEffect(() => {
    refresh();
    const onToken = () => {
      setEpoch((e) => e + 1);
      refresh();
    };
    const onUnauthorized = () => setAsking(true);
    window.addEventListener("wfm-token", onToken);
    window.addEventListener("wfm-unauthorized", onUnauthorized);
    return () => {
      window.removeEventListener("wfm-token", onToken);
      window.removeEventListener("wfm-unauthorized", onUnauthorized);
    };
  }, []);

  // a new page: move the focus to it, as a full page load would
  const first = useRef(true);
  useEffect(() => {
    if (first.current) first.current = false;
    else document.getElementById("main")?.focus();
  }, [loc.path]);

  const section = NAV.filter(([href]) => (href === "/" ? loc.path === "/" || loc.path.startsWith("/configs") : loc.path.startsWith(href)));
  return (
    <SessionContext.Provider value={session}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <Link href="/" class="brand">
          wfm
        </Link>
        <nav aria-label="Main">
          {NAV.map(([href, label]) => (
            <Link href={href} aria-current={section[0]?.[0] === href ? "page" : undefined}>
              {label}
            </Link>
          ))}
        </nav>
        <div class="who">
          {session && session.role !== "open" && <span class="badge muted">{session.role === "none" ? "no token" : `${session.role} token`}</span>}
          {session && session.role !== "open" && (
            <button type="button" onClick={() => setAsking(true)}>
              Token
            </button>
          )}
        </div>
      </header>
      {asking && <TokenDialog onClose={() => setAsking(false)} />}
      <main id="main" tabIndex={-1} key={epoch}>
        {page(loc.path)}
      </main>
    </SessionContext.Provider>
  );
}

function TokenDialog(props: { onClose: () => void }) {
  const [value, setValue] = useState(getToken() ?? "");
  const input = useRef<HTMLInputElement>(null);
  // focus in while open (autofocus works once per document), back to where it was after
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    input.current?.focus();
    return () => opener?.focus?.();
  }, []);
  return (
    <div
      class="dialog"
      role="dialog"
      aria-modal="true"
      aria-labelledby="token-title"
      onKeyDown={(e) => {
        if (e.key === "Escape") props.onClose();
        if (e.key === "Tab") trapTab(e, e.currentTarget as HTMLElement);
      }}
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setToken(value.trim() || null);
          props.onClose();
        }}
      >
        <h2 id="token-title">API token</h2>
        <p>
          This wfm requires a bearer token (<code>WFM_API_READ_TOKENS</code> or <code>WFM_API_ADMIN_TOKENS</code>). It is kept in
          this tab only (sessionStorage).
        </p>
        <label>
          Token <input ref={input} type="password" value={value} onInput={(e) => setValue(e.currentTarget.value)} autoComplete="off" />
        </label>
        <div class="actions">
          <button type="submit" class="primary">
            Use token
          </button>
          <button
            type="button"
            onClick={() => {
              setToken(null);
              props.onClose();
            }}
          >
            Forget token
          </button>
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
        </div>
      </form>
    </div>
  );
}

/** Keeps Tab inside `box`: from its last control to its first, and back. */
function trapTab(e: KeyboardEvent, box: HTMLElement) {
  const controls = [...box.querySelectorAll<HTMLElement>("input, button, select, textarea, a[href]")].filter((el) => !el.hasAttribute("disabled"));
  if (!controls.length) return;
  const [first, last] = [controls[0], controls[controls.length - 1]];
  if (e.shiftKey && document.activeElement === first) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && document.activeElement === last) {
    e.preventDefault();
    first.focus();
  }
}
