/** A clock that moves only when told: `advance` runs the timers that fall due, in time order. */
import type { Timers } from "../../src/transport/timers.ts";

export interface FakeTimers extends Timers {
  advance(ms: number): void;
  /** Timers waiting. */
  pending(): number;
}

export const fakeTimers = (start = 1_000_000): FakeTimers => {
  let now = start;
  let nextId = 0;
  const queue = new Map<number, { at: number; fn: () => void; every?: number }>();
  const add = (ms: number, fn: () => void, every?: number) => {
    const id = nextId++;
    queue.set(id, { at: now + Math.max(0, ms), fn, ...(every === undefined ? {} : { every }) });
    return () => void queue.delete(id);
  };
  return {
    now: () => now,
    after: (ms, fn) => add(ms, fn),
    every: (ms, fn) => add(ms, fn, Math.max(1, ms)),
    advance(ms) {
      const end = now + ms;
      for (;;) {
        let due: [number, { at: number; fn: () => void; every?: number }] | undefined;
        for (const entry of queue) if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) due = entry;
        if (!due) break;
        const [id, timer] = due;
        now = timer.at;
        if (timer.every === undefined) queue.delete(id);
        else timer.at += timer.every;
        timer.fn();
      }
      now = end;
    },
    pending: () => queue.size,
  };
};
