/**
 * Time for the scripted model, injectable so tests of streamed timing run without real waits.
 */
import { abortableSleep } from "../runtime/abortable-sleep.js";
import type { Clock } from "../runtime/clock.js";

/**
 * An extension of the runtime's `Clock`: its `now` (on any monotonic scale: the scripted model only
 * measures spans) plus an awaitable `sleep`, which a virtual clock completes at once. It has no
 * timers of its own: the scripted model waits with `sleep`.
 */
export interface ScriptClock extends Pick<Clock, "now"> {
  /** Resolves after `ms`. May ignore `signal`: the caller also races the wait against it. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

const longWaitMs = 100;

export const realClock: ScriptClock = {
  now: () => performance.now(),
  // The caller stops waiting at the abort itself. A long timer is cleared then, so it does not hold
  // the process open; a short one (the gap between streamed fragments) is left to expire, as an
  // abort listener per fragment would cost more than the wait.
  sleep: (ms, signal) => (ms < longWaitMs ? new Promise((resolve) => setTimeout(resolve, ms)) : abortableSleep(ms, signal)),
};

/**
 * Calls `wake` once `ms` have passed on `clock` (`fail` when its sleep rejects). A short wait on the
 * real clock is a bare timer: streamed fragments wait this way by the million when thousands of
 * sessions run at once, and a promise per wait would cost more than the timer.
 */
export function wakeAfter(clock: ScriptClock, ms: number, signal: AbortSignal, wake: () => void, fail: (error: unknown) => void): void {
  if (clock === realClock && ms < longWaitMs) setTimeout(wake, ms);
  else clock.sleep(ms, signal).then(wake, fail);
}

export interface VirtualClock extends ScriptClock {
  /** Every wait requested, in order. */
  readonly sleeps: readonly number[];
}

/** A clock whose waits complete at once and move its time forward by the waited amount. */
export const virtualClock = (start = 0): VirtualClock => {
  let time = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => time,
    sleep: (ms) => {
      sleeps.push(ms);
      time += ms;
      return Promise.resolve();
    },
  };
};
