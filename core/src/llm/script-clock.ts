/**
 * Time for the scripted model, injectable so tests of streamed timing run without real waits.
 */

export interface ScriptClock {
  /** Milliseconds on any monotonic scale. */
  now(): number;
  /** Resolves after `ms`. May ignore `signal`: the caller also races the wait against it. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

const longWaitMs = 100;

export const realClock: ScriptClock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      // The caller stops waiting at the abort itself. A long timer is cleared then, so it does not
      // hold the process open; a short one (the gap between streamed fragments) is left to expire,
      // as an abort listener per fragment would cost more than the wait.
      if (ms < longWaitMs) {
        setTimeout(resolve, ms);
        return;
      }
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
    }),
};

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
