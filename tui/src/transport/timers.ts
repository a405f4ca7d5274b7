/**
 * The clock and timers the transport runs on, passed in so the timing logic (liveness, the
 * reconnect window, the parent watch) is tested by moving a fake clock, not by sleeping.
 */
export interface Timers {
  /** Epoch ms. */
  now(): number;
  /** Runs `fn` once after `ms`; the returned function cancels it. */
  after(ms: number, fn: () => void): () => void;
  /** Runs `fn` every `ms`; the returned function stops it. */
  every(ms: number, fn: () => void): () => void;
}

export const systemTimers: Timers = {
  now: () => Date.now(),
  after: (ms, fn) => {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
  every: (ms, fn) => {
    const timer = setInterval(fn, ms);
    return () => clearInterval(timer);
  },
};
