/**
 * The simulated clock of one simulated run: time stands still while the run works and jumps to the
 * next timer when the run has nothing else to do. So a chart's `after` delay of ten minutes (or
 * hours) fires as soon as the run is quiet, in due order, and `now()` reads as if the time had
 * passed; a run never waits real time for a timer.
 *
 * "Quiet" is `quietTurns` turns of the event loop (`setImmediate`) in a row with no activity: the
 * run tells the clock of activity (`touch`: an inspection event, a model call or a prompt) and of
 * work that is still out (`busy`). A timer is the lowest priority: whatever the run can still do
 * without it happens first, as it would with a real model answering in seconds and a timer of
 * minutes. A simulated model may also answer late (`fireNext`): then the timer fires while its
 * call is out, as a timeout beside a conversation does.
 */
import type { Clock } from "../runtime/index.js";

interface Timer {
  id: number;
  dueAt: number;
  callback: () => void;
}

export interface SimulatedClockOptions {
  /** Where the clock's time starts (milliseconds since the epoch). */
  start: number;
  /** Turns of the event loop without activity after which the next timer fires (default 4). */
  quietTurns?: number;
  /** Work still out that no event shows (a model call or a prompt being answered): no timer fires meanwhile. */
  busy?: () => boolean;
}

export class SimulatedClock implements Clock {
  #now: number;
  #nextId = 0;
  /** Pending timers, earliest first (then in the order they were set). */
  #timers: Timer[] = [];
  #activity = 0;
  #seen = -1;
  #quiet = 0;
  #polling = false;
  #stopped = false;
  readonly #quietTurns: number;
  readonly #busy: () => boolean;

  constructor(options: SimulatedClockOptions) {
    this.#now = options.start;
    this.#quietTurns = options.quietTurns ?? 4;
    this.#busy = options.busy ?? (() => false);
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const timer = { id: ++this.#nextId, dueAt: this.#now + Math.max(0, ms), callback };
    let at = this.#timers.length;
    while (at > 0 && this.#timers[at - 1]!.dueAt > timer.dueAt) at--;
    this.#timers.splice(at, 0, timer);
    this.touch();
    this.#poll();
    return timer.id;
  }

  clearTimeout(handle: unknown): void {
    const at = this.#timers.findIndex((timer) => timer.id === handle);
    if (at >= 0) this.#timers.splice(at, 1);
  }

  /** Something happened in the run: the next timer waits for quiet again. */
  touch(): void {
    this.#activity++;
  }

  /**
   * Fires the earliest pending timer now (its due time passes), whatever the run is doing: a model
   * that answers only after a timer. False when no timer is pending.
   */
  fireNext(): boolean {
    const timer = this.#timers.shift();
    if (!timer || this.#stopped) return false;
    this.#now = Math.max(this.#now, timer.dueAt);
    this.touch();
    timer.callback();
    return true;
  }

  /** Timers still pending (for tests and reports). */
  get pending(): number {
    return this.#timers.length;
  }

  /** The run is over: no timer fires any more. */
  stop(): void {
    this.#stopped = true;
    this.#timers = [];
  }

  #poll(): void {
    if (this.#polling || this.#stopped) return;
    this.#polling = true;
    setImmediate(() => this.#turn());
  }

  #turn(): void {
    this.#polling = false;
    if (this.#stopped || this.#timers.length === 0) return;
    if (this.#activity !== this.#seen || this.#busy()) {
      this.#seen = this.#activity;
      this.#quiet = 0;
    } else if (++this.#quiet >= this.#quietTurns) {
      this.#quiet = 0;
      this.fireNext();
    }
    this.#poll();
  }
}
