import { useCallback, useEffect, useRef, useState } from "preact/hooks";

export interface Async<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload: () => void;
}

/**
 * Runs `load` when `deps` change (and on reload); a newer call wins over a
 * slower older one. Data is only ever that of the current `deps`: a reload
 * keeps showing it until the new answer, other inputs start empty (never the
 * previous config's data under the new one's name).
 */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): Async<T> {
  const key = JSON.stringify(deps);
  const [state, setState] = useState<{ key: string; data?: T; error?: Error; loading: boolean }>({ key, loading: true });
  const [tick, setTick] = useState(0);
  const seq = useRef(0);
  useEffect(() => {
    const mine = ++seq.current;
    setState((s) => (s.key === key ? { ...s, loading: true } : { key, loading: true }));
    load().then(
      (data) => mine === seq.current && setState({ key, data, loading: false }),
      (error: Error) => mine === seq.current && setState((s) => ({ key, data: s.key === key ? s.data : undefined, error, loading: false })),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  const current = state.key === key;
  return { data: current ? state.data : undefined, error: current ? state.error : undefined, loading: !current || state.loading, reload };
}

/** Re-runs `fn` every `ms` while mounted (and `active`). */
export function useInterval(fn: () => void, ms: number, active = true): void {
  const saved = useRef(fn);
  saved.current = fn;
  useEffect(() => {
    if (!active) return;
    const id = window.setInterval(() => saved.current(), ms);
    return () => window.clearInterval(id);
  }, [ms, active]);
}

/** One write action's state (busy, error, last result), so every button shows
 * progress and the API's message the same way. */
export interface Action<T> {
  busy: boolean;
  error: Error | undefined;
  result: T | undefined;
  run: (fn: () => Promise<T>) => Promise<T | undefined>;
  reset: () => void;
}

export function useAction<T>(): Action<T> {
  const [state, setState] = useState<{ busy: boolean; error?: Error; result?: T }>({ busy: false });
  const run = useCallback(async (fn: () => Promise<T>) => {
    setState({ busy: true });
    try {
      const result = await fn();
      setState({ busy: false, result });
      return result;
    } catch (e) {
      setState({ busy: false, error: e as Error });
      return undefined;
    }
  }, []);
  const reset = useCallback(() => setState({ busy: false }), []);
  return { busy: state.busy, error: state.error, result: state.result, run, reset };
}
