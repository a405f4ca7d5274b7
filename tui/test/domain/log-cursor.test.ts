import { describe, expect, test } from "bun:test";
import { emptyLog, logPush } from "../../src/domain/bounded-log.ts";
import { firstIndex, lastIndex, rowAt, rowsEndingAt, stepIndex, type Lane, type LogRow } from "../../src/domain/index.ts";

const row = (seq: number, lane: Lane): LogRow => ({ seq, ts: seq, lane, event: `${lane}/x`, text: `row ${seq}` });

/** 300 rows (capacity 128, so the oldest chunks are dropped), every third in the error lane. */
const build = () => {
  let log = emptyLog<LogRow>(128);
  for (let seq = 1; seq <= 300; seq++) log = logPush(log, row(seq, seq % 3 === 0 ? "error" : "chart"));
  return log;
};

describe("log cursor", () => {
  const log = build();
  const errors = new Set<Lane>(["error"]);

  test("indexes are absolute: dropped rows still count", () => {
    expect(log.dropped).toBeGreaterThan(0);
    const last = lastIndex(log);
    expect(last).toBe(299);
    expect(rowAt(log, 299)?.seq).toBe(300);
    expect(rowAt(log, firstIndex(log) ?? -1)?.seq).toBe(log.dropped + 1);
  });

  test("steps count only rows of the filtered lanes and stop at the ends", () => {
    const last = lastIndex(log, errors) ?? -1;
    expect(rowAt(log, last)?.seq).toBe(300);
    expect(rowAt(log, stepIndex(log, last, -2, errors) ?? -1)?.seq).toBe(294);
    expect(stepIndex(log, last, 5, errors)).toBe(last);
    expect(stepIndex(log, 0, -1)).toBe(firstIndex(log));
  });

  test("a page ends at the cursor's bottom row, oldest first", () => {
    expect(rowsEndingAt(log, 299, 3).map((r) => r.row.seq)).toEqual([298, 299, 300]);
    expect(rowsEndingAt(log, undefined, 2, errors).map((r) => r.row.seq)).toEqual([297, 300]);
    expect(rowsEndingAt(log, 297, 2, errors).map((r) => r.index)).toEqual([293, 296]);
  });

  test("an empty log has no rows to step to", () => {
    const empty = emptyLog<LogRow>(10);
    expect(lastIndex(empty)).toBeUndefined();
    expect(stepIndex(empty, 0, 1)).toBeUndefined();
    expect(rowsEndingAt(empty, undefined, 5)).toEqual([]);
  });
});
