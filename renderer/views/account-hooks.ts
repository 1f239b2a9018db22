import { useEffect, useRef } from 'react';

function visible(): boolean {
  return typeof document === 'undefined' || document.visibilityState === 'visible';
}

/**
 * Runs `check` when the view appears, whenever the window becomes visible or focused again, and every
 * `everyMs` while it stays visible — never while hidden (a closed popover or a background tab asks nothing).
 * `check` decides itself whether anything is due; this hook only says "someone is looking now".
 */
export function useWhileVisible(check: () => void, everyMs: number | null, deps: readonly unknown[]): void {
  const latest = useRef(check);
  latest.current = check;
  useEffect(() => {
    const run = () => {
      if (visible()) latest.current();
    };
    run();
    document.addEventListener('visibilitychange', run);
    window.addEventListener('focus', run);
    const timer = everyMs === null ? undefined : setInterval(run, everyMs);
    return () => {
      document.removeEventListener('visibilitychange', run);
      window.removeEventListener('focus', run);
      clearInterval(timer);
    };
  }, deps);
}
