/**
 * Time for the scripted model, injectable so tests of streamed timing run without real waits.
 */

export interface ScriptClock {
  /** Milliseconds on any monotonic scale. */
  now(): number;
  /** Resolves after `ms`. May ignore `signal`: the caller also races the wait against it. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const realClock: ScriptClock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
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
