/**
 * Moving through the LOG by absolute row index (rows ever appended, dropped ones included), so a
 * cursor stays on its row while new rows arrive. With a lane filter, only rows of those lanes
 * count as steps.
 */
import { logAt, logLength, type BoundedLog } from "./bounded-log.ts";
import type { Lane } from "./lane.ts";
import type { LogRow } from "./log-row.ts";

export interface IndexedRow {
  /** Absolute index (see `logTotal`). */
  readonly index: number;
  readonly row: LogRow;
}

const matches = (row: LogRow | undefined, lanes: ReadonlySet<Lane> | undefined): row is LogRow => row !== undefined && (!lanes || lanes.has(row.lane));

/** The newest row of the lanes, or undefined when there is none. */
export const lastIndex = (log: BoundedLog<LogRow>, lanes?: ReadonlySet<Lane>): number | undefined => {
  for (let i = logLength(log) - 1; i >= 0; i--) if (matches(logAt(log, i), lanes)) return log.dropped + i;
  return undefined;
};

/** The oldest row of the lanes still held. */
export const firstIndex = (log: BoundedLog<LogRow>, lanes?: ReadonlySet<Lane>): number | undefined => {
  const length = logLength(log);
  for (let i = 0; i < length; i++) if (matches(logAt(log, i), lanes)) return log.dropped + i;
  return undefined;
};

/**
 * The row `by` matching rows away from `from` (negative: older), stopping at the ends. A `from`
 * whose row was dropped counts from the oldest row held.
 */
export const stepIndex = (log: BoundedLog<LogRow>, from: number, by: number, lanes?: ReadonlySet<Lane>): number | undefined => {
  const length = logLength(log);
  if (length === 0) return undefined;
  const local = Math.min(Math.max(from - log.dropped, 0), length - 1);
  const dir = Math.sign(by);
  let remaining = Math.abs(by);
  let at = local;
  for (let i = local + dir; remaining > 0 && i >= 0 && i < length; i += dir) {
    if (matches(logAt(log, i), lanes)) {
      at = i;
      remaining--;
    }
  }
  return log.dropped + at;
};

/** Up to `count` matching rows ending at `end` (inclusive; the newest when undefined), oldest first. */
export const rowsEndingAt = (log: BoundedLog<LogRow>, end: number | undefined, count: number, lanes?: ReadonlySet<Lane>): IndexedRow[] => {
  const rows: IndexedRow[] = [];
  const last = end === undefined ? logLength(log) - 1 : Math.min(end - log.dropped, logLength(log) - 1);
  for (let i = last; i >= 0 && rows.length < count; i--) {
    const row = logAt(log, i);
    if (matches(row, lanes)) rows.push({ index: log.dropped + i, row });
  }
  return rows.reverse();
};

export const rowAt = (log: BoundedLog<LogRow>, index: number): LogRow | undefined => logAt(log, index - log.dropped);

// Rows of the lanes in each full chunk: chunks never change once full, so each is counted once per lane set.
const chunkCounts = new WeakMap<readonly LogRow[], Map<string, number>>();

const countChunk = (chunk: readonly LogRow[], lanes: ReadonlySet<Lane>, key: string): number => {
  let counts = chunkCounts.get(chunk);
  if (!counts) chunkCounts.set(chunk, (counts = new Map()));
  const known = counts.get(key);
  if (known !== undefined) return known;
  let count = 0;
  for (const row of chunk) if (lanes.has(row.lane)) count++;
  counts.set(key, count);
  return count;
};

/** Matching rows held with an absolute index below `end` (all held rows when undefined). */
export const countRows = (log: BoundedLog<LogRow>, lanes?: ReadonlySet<Lane>, end?: number): number => {
  const length = logLength(log);
  const stop = Math.min(length, Math.max(0, (end ?? log.dropped + length) - log.dropped));
  if (!lanes) return stop;
  const key = [...lanes].sort().join(",");
  let count = 0;
  let i = 0;
  for (const chunk of log.sealed) {
    if (i + chunk.length > stop) break;
    count += countChunk(chunk, lanes, key);
    i += chunk.length;
  }
  for (; i < stop; i++) if (matches(logAt(log, i), lanes)) count++;
  return count;
};
