/**
 * The core's one clock: an injectable time source (the runtime never reads `Date.now()` directly)
 * and its timers. A part that only measures spans takes `Pick<Clock, "now">` (the model router); the
 * scripted model's `ScriptClock` extends that with an awaitable `sleep`.
 */
export interface Clock {
  /** Milliseconds: since the epoch for `systemClock`. A reader that only measures spans accepts any monotonic scale. */
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Node's longest timer (about 24.8 days); a longer one fires at once, with a warning. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A timer longer than Node's longest: a chain of the longest, then what is left. */
interface LongTimer {
  current: NodeJS.Timeout;
}

function longTimeout(callback: () => void, ms: number, now: () => number): LongTimer {
  const due = now() + ms;
  const timer: LongTimer = { current: undefined as unknown as NodeJS.Timeout };
  const arm = (): void => {
    const left = due - now();
    timer.current = left > MAX_TIMER_MS ? setTimeout(arm, MAX_TIMER_MS) : setTimeout(callback, Math.max(0, left));
  };
  arm();
  return timer;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  // A chart's timer may be weeks long (a reminder, an escalation): it must not fire at once.
  setTimeout: (callback, ms) => (ms > MAX_TIMER_MS ? longTimeout(callback, ms, Date.now) : setTimeout(callback, ms)),
  clearTimeout: (handle) =>
    clearTimeout(typeof handle === "object" && handle !== null && "current" in handle ? (handle as LongTimer).current : (handle as NodeJS.Timeout)),
};
