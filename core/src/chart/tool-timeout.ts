import type { Clock } from "../runtime/clock.js";

/** What a call that ran out of time returns instead of its result. */
export interface TimedOut {
  timedOut: true;
  timeoutMs: number;
}

/**
 * A call's time budget, spent only while it runs: `pause` while it waits for a permission answer
 * (a human may be deciding), `resume` after. When the budget is spent, `signal` aborts with a
 * `TimeoutError` and `expired` settles.
 */
export class CallTimer {
  readonly signal: AbortSignal;
  readonly expired: Promise<TimedOut>;
  readonly #controller = new AbortController();
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  #left: number;
  #handle: unknown;
  #startedAt = 0;
  #expire: (value: TimedOut) => void = () => {};

  constructor(clock: Clock, timeoutMs: number) {
    this.#clock = clock;
    this.#timeoutMs = timeoutMs;
    this.#left = timeoutMs;
    this.signal = this.#controller.signal;
    this.expired = new Promise((resolve) => (this.#expire = resolve));
  }

  resume(): void {
    if (this.#handle !== undefined || this.signal.aborted) return;
    this.#startedAt = this.#clock.now();
    this.#handle = this.#clock.setTimeout(
      () => {
        this.#handle = undefined;
        // Settled first, so the timeout wins over whatever the aborted work answers.
        this.#expire({ timedOut: true, timeoutMs: this.#timeoutMs });
        this.#controller.abort(new DOMException(`timed out after ${this.#timeoutMs} ms`, "TimeoutError"));
      },
      Math.max(0, this.#left),
    );
  }

  pause(): void {
    if (this.#handle === undefined) return;
    this.#clock.clearTimeout(this.#handle);
    this.#handle = undefined;
    this.#left -= this.#clock.now() - this.#startedAt;
  }

  /** Stops the timer for good (the call finished). */
  stop(): void {
    this.pause();
  }
}

/**
 * Runs `work` with a signal that aborts when `parent` does or the budget is spent; settles with its
 * result, or with `TimedOut` as soon as the budget is spent (the work is told to stop through the
 * signal and left to finish on its own: a shell kills its process group, a fetch aborts its request,
 * an MCP call sends a cancellation).
 */
export async function withTimeout<T>(
  clock: Clock,
  timeoutMs: number,
  parent: AbortSignal,
  work: (signal: AbortSignal, timer: CallTimer) => Promise<T>,
): Promise<T | TimedOut> {
  const timer = new CallTimer(clock, timeoutMs);
  const signal = AbortSignal.any([parent, timer.signal]);
  timer.resume();
  const running = work(signal, timer);
  try {
    return await Promise.race([running, timer.expired]);
  } finally {
    timer.stop();
    // Whatever the abandoned work does later is not the model's concern.
    running.catch(() => {});
  }
}

export const isTimedOut = (value: unknown): value is TimedOut =>
  typeof value === "object" && value !== null && (value as Partial<TimedOut>).timedOut === true && typeof (value as TimedOut).timeoutMs === "number";
