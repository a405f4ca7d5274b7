/**
 * A time budget that is spent only while it runs: a request pauses it while it waits for a
 * permission answer (a human may be deciding), so only network time counts.
 */
export class PausableTimeout {
  /** Aborted, with a `TimeoutError`, once the budget is spent. */
  readonly signal: AbortSignal;
  readonly #controller = new AbortController();
  #left: number;
  #timer: NodeJS.Timeout | undefined;
  #startedAt = 0;

  constructor(ms: number) {
    this.#left = ms;
    this.signal = this.#controller.signal;
  }

  run(): void {
    if (this.#timer !== undefined || this.signal.aborted) return;
    this.#startedAt = performance.now();
    this.#timer = setTimeout(() => this.#controller.abort(new DOMException("The operation timed out.", "TimeoutError")), Math.max(0, this.#left));
    this.#timer.unref();
  }

  pause(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#left -= performance.now() - this.#startedAt;
  }
}
