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

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
