import { useEffect, useState } from "react";

/** SLOW_MS is how long a read may take before the page says it is still waiting. */
export const SLOW_MS = 8000;

export interface Loaded<T> {
  data: T | undefined;
  error: Error | undefined;
  slow: boolean; // still loading after SLOW_MS
  reload: () => void;
}

/**
 * useApi runs read(signal) when deps change (and every refreshMs if set), aborting the
 * previous read; `slow` turns true when an answer takes over SLOW_MS.
 */
export function useApi<T>(read: (signal: AbortSignal) => Promise<T>, deps: unknown[], refreshMs = 0): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<Error>();
  const [slow, setSlow] = useState(false);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const ctl = new AbortController();
    let done = false;
    const timer = setTimeout(() => !done && setSlow(true), SLOW_MS);
    read(ctl.signal)
      .then((d) => {
        done = true;
        setData(d);
        setError(undefined);
      })
      .catch((e: Error) => {
        done = true;
        if (!ctl.signal.aborted) setError(e);
      })
      .finally(() => {
        clearTimeout(timer);
        if (!ctl.signal.aborted) setSlow(false);
      });
    const again = refreshMs > 0 ? setTimeout(() => setTick((t) => t + 1), refreshMs) : undefined;
    return () => {
      ctl.abort();
      clearTimeout(timer);
      if (again) clearTimeout(again);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  return { data, error, slow, reload: () => setTick((t) => t + 1) };
}
