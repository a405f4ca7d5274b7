import { describe, expect, test } from "bun:test";
import { CHUNK, emptyLog, logAt, logLast, logLength, logPush, logReplaceLast, logSlice, logTotal, type BoundedLog } from "../../src/domain/bounded-log.ts";

const filled = (count: number, capacity = 1_000): BoundedLog<number> => {
  let log = emptyLog<number>(capacity);
  for (let i = 0; i < count; i++) log = logPush(log, i);
  return log;
};

describe("bounded log", () => {
  test("keeps rows in order across chunks", () => {
    const log = filled(CHUNK * 2 + 5);
    expect(logLength(log)).toBe(CHUNK * 2 + 5);
    expect(logAt(log, 0)).toBe(0);
    expect(logAt(log, CHUNK)).toBe(CHUNK);
    expect(logLast(log)).toBe(CHUNK * 2 + 4);
    expect(logAt(log, CHUNK * 2 + 5)).toBeUndefined();
    expect(logAt(log, -1)).toBeUndefined();
    expect(logSlice(log, CHUNK - 2, CHUNK + 2)).toEqual([CHUNK - 2, CHUNK - 1, CHUNK, CHUNK + 1]);
  });

  test("drops whole chunks from the front once past capacity, keeping at least capacity rows", () => {
    const capacity = 200;
    const log = filled(10_000, capacity);
    expect(logLength(log)).toBeGreaterThanOrEqual(capacity);
    expect(logLength(log)).toBeLessThan(capacity + 2 * CHUNK);
    expect(logTotal(log)).toBe(10_000);
    expect(logLast(log)).toBe(9_999);
    expect(logAt(log, 0)).toBe(log.dropped);
  });

  test("earlier versions are unchanged by later pushes and replacements", () => {
    const before = filled(CHUNK);
    const after = logReplaceLast(logPush(before, 999), 1_000);
    expect(logLength(before)).toBe(CHUNK);
    expect(logLast(before)).toBe(CHUNK - 1);
    expect(logLast(after)).toBe(1_000);
    const replacedSealed = logReplaceLast(before, -1);
    expect(logLast(replacedSealed)).toBe(-1);
    expect(logLast(before)).toBe(CHUNK - 1);
  });

  test("replacing the last row of an empty log appends it", () => {
    expect(logSlice(logReplaceLast(emptyLog<number>(10), 7), 0, 10)).toEqual([7]);
  });
});
