// One write action's state (busy, error, last result), so every button on
// the page shows progress and the API's message the same way.
import { useCallback, useState } from "preact/hooks";

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
