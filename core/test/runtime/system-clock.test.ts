/**
 * The system clock's timers: a chart's delay may be weeks long (a reminder, an escalation), longer
 * than Node's longest timer (about 24.8 days), which would otherwise fire at once.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { systemClock } from "../../src/runtime/clock.js";

const DAY = 24 * 60 * 60 * 1000;

afterEach(() => {
  vi.useRealTimers();
});

describe("systemClock", () => {
  it("fires a 30-day timer after 30 days, not at once", () => {
    vi.useFakeTimers();
    const fired: number[] = [];
    const start = Date.now();
    systemClock.setTimeout(() => fired.push(Date.now() - start), 30 * DAY);
    vi.advanceTimersByTime(1000);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(29 * DAY);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(DAY);
    expect(fired).toEqual([30 * DAY]);
  });

  it("cancels a long timer at any point of its chain", () => {
    vi.useFakeTimers();
    let fired = false;
    const handle = systemClock.setTimeout(() => (fired = true), 60 * DAY);
    vi.advanceTimersByTime(40 * DAY);
    systemClock.clearTimeout(handle);
    vi.advanceTimersByTime(30 * DAY);
    expect(fired).toBe(false);
  });

  it("keeps short timers as Node's own", () => {
    vi.useFakeTimers();
    let fired = 0;
    const cancelled = systemClock.setTimeout(() => fired++, 10);
    systemClock.clearTimeout(cancelled);
    systemClock.setTimeout(() => fired++, 10);
    vi.advanceTimersByTime(10);
    expect(fired).toBe(1);
  });
});
