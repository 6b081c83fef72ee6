// Timers for moments further away than Node.js can arm one. setTimeout/setInterval take at most
// 2^31 − 1 ms (about 24.8 days); a longer delay is replaced by 1 ms with a TimeoutOverflowWarning,
// so a task whose deadline was 30 days away failed DEADLINE_EXCEEDED right after it started.

/** The longest delay setTimeout/setInterval honour (Node's TIMEOUT_MAX), about 24.8 days. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A timer armed by `timeoutAt`. */
export interface LongTimer {
  clear(): void;
}

/**
 * Calls `fn` once the wall clock reaches `atMs` (epoch ms). A moment beyond MAX_TIMER_MS is
 * reached in steps: the timer re-arms itself until the rest fits, so it never fires early.
 */
export function timeoutAt(atMs: number, fn: () => void): LongTimer {
  let timer: NodeJS.Timeout;
  const arm = (): void => {
    const leftMs = Math.max(0, atMs - Date.now());
    timer = leftMs > MAX_TIMER_MS ? setTimeout(arm, MAX_TIMER_MS) : setTimeout(fn, leftMs);
  };
  arm();
  return { clear: () => clearTimeout(timer) };
}
