// A small history router: every page's state lives in the URL (path and
// query), so any view can be shared by copying the address.
import type { ComponentChildren, JSX } from "preact";
import { useEffect, useState } from "preact/hooks";

export interface Location {
  path: string;
  query: URLSearchParams;
}

const current = (): Location => ({
  path: window.location.pathname,
  query: new URLSearchParams(window.location.search),
});

const listeners = new Set<() => void>();
window.addEventListener("popstate", () => listeners.forEach((l) => l()));

/** Goes to `href` (a path with an optional query); `replace` keeps one history entry. */
export function navigate(href: string, replace = false): void {
  if (href === window.location.pathname + window.location.search) return;
  if (replace) window.history.replaceState(null, "", href);
  else window.history.pushState(null, "", href);
  listeners.forEach((l) => l());
}

export function useLocation(): Location {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    const update = () => setLoc(current());
    listeners.add(update);
    return () => void listeners.delete(update);
  }, []);
  return loc;
}

/** Replaces query keys (null or "" removes one) and keeps the path. */
export function setQuery(changes: Record<string, string | string[] | null | undefined>, replace = true): void {
  const q = new URLSearchParams(window.location.search);
  for (const [key, value] of Object.entries(changes)) {
    q.delete(key);
    if (Array.isArray(value)) value.forEach((v) => q.append(key, v));
    else if (value !== null && value !== undefined && value !== "") q.set(key, value);
  }
  const s = q.toString();
  navigate(window.location.pathname + (s ? `?${s}` : ""), replace);
}

/** Matches `/configs/:id` style patterns; returns the named segments or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split("/").filter(Boolean);
  const s = path.split("/").filter(Boolean);
  if (p.length !== s.length) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(":")) {
      try {
        out[p[i].slice(1)] = decodeURIComponent(s[i]);
      } catch {
        return null; // a malformed escape (%E0): the not-found page, not a crash
      }
    } else if (p[i] !== s[i]) return null;
  }
  return out;
}

export function Link(props: { href: string; children: ComponentChildren } & JSX.HTMLAttributes<HTMLAnchorElement>) {
  const { href, children, ...rest } = props;
  return (
    <a
      {...rest}
      href={href}
      onClick={(e) => {
        if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        navigate(href);
      }}
    >
      {children}
    </a>
  );
}
