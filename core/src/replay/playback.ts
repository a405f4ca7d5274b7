import { abortableSleep } from "../runtime/abortable-sleep.js";
/** Anything played back in time: a wire frame or a transcript row, stamped with its recorded time. */
export interface Timed {
  ts: number;
}

export type Timing =
  | { mode: "instant" }
  /** One frame every `intervalMs`. */
  | { mode: "paced"; intervalMs: number }
  /** The recorded gaps between rows, divided by `speed`, each at most `capMs`. */
  | { mode: "wallclock"; speed: number; capMs: number };

export const timingModes = ["instant", "paced", "wallclock"] as const;

export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

export const realSleep: Sleep = abortableSleep;

/** How long to wait before `line`, given the previous one. Pure. */
export function delayBefore(timing: Timing, previous: Timed | undefined, line: Timed): number {
  if (!previous) return 0;
  switch (timing.mode) {
    case "instant":
      return 0;
    case "paced":
      return timing.intervalMs;
    case "wallclock":
      return Math.min(timing.capMs, Math.max(0, line.ts - previous.ts) / timing.speed);
  }
}

/**
 * Pause, resume and skip ahead while frames play (the renderer's keys arrive as these calls).
 * Skipping plays the next `n` frames with no delay.
 */
export class PlaybackControl {
  #paused = false;
  #skip = 0;
  #wake: AbortController = new AbortController();

  get paused(): boolean {
    return this.#paused;
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#interrupt();
  }

  skip(frames: number): void {
    this.#skip += Math.max(0, frames);
    this.#interrupt();
  }

  #interrupt(): void {
    this.#wake.abort();
    this.#wake = new AbortController();
  }

  /**
   * True when a frame may go at once, as `wait(ms)` would let it without sleeping (a skip releases
   * it, or nothing holds it: not paused, no delay); false when the caller must `wait`. Spares a
   * player an `await` per frame, a good part of the cost of a long instant replay.
   */
  pass(ms: number): boolean {
    if (this.#skip > 0) {
      this.#skip--;
      return true;
    }
    return !this.#paused && ms <= 0;
  }

  /** Waits `ms` unless skipping; waits indefinitely while paused (a skip still releases frames). */
  async wait(ms: number, sleep: Sleep): Promise<void> {
    for (;;) {
      if (this.#skip > 0) {
        this.#skip--;
        return;
      }
      if (this.#paused) {
        await sleep(2 ** 31 - 1, this.#wake.signal);
        continue;
      }
      if (ms <= 0) return;
      const signal = this.#wake.signal;
      await sleep(ms, signal);
      if (!signal.aborted) return;
      // Woken by resume/skip/pause: loop to re-check; a resume replays the whole wait, which is fine.
    }
  }
}

/** Plays frames with the chosen timing. */
export async function* play<T extends Timed>(
  lines: AsyncIterable<T>,
  timing: Timing,
  options: { sleep?: Sleep; control?: PlaybackControl } = {},
): AsyncGenerator<T> {
  const sleep = options.sleep ?? realSleep;
  const control = options.control ?? new PlaybackControl();
  let previous: T | undefined;
  for await (const line of lines) {
    const delay = delayBefore(timing, previous, line);
    if (!control.pass(delay)) await control.wait(delay, sleep);
    previous = line;
    yield line;
  }
}
