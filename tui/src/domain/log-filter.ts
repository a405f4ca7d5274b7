/**
 * The LOG's text filter: the rows whose visible text (lane and line) contains the query, case
 * ignored, as a log of their own. Kept up to date as rows arrive by looking only at the new ones,
 * so a filter costs nothing per frame beyond the rows that frame added.
 */
import { emptyLog, logPush, logReplaceLast, logTotal, type BoundedLog } from "./bounded-log.ts";
import { rowAt } from "./log-cursor.ts";
import type { LogRow } from "./log-row.ts";

/** Whether `row` shows `query` (already lower case). */
export const rowShowsText = (row: LogRow, query: string): boolean => `${row.lane} ${row.text}`.toLowerCase().includes(query);

export interface TextFilteredLog {
  /** The query, lower case. */
  readonly query: string;
  /** The log this was computed from. */
  readonly source: BoundedLog<LogRow>;
  /** The matching rows, in their own index space. */
  readonly log: BoundedLog<LogRow>;
  /** Whether the source's newest row is the filtered log's newest. */
  readonly lastKept: boolean;
}

const fresh = (query: string, capacity: number): TextFilteredLog => ({ query, source: emptyLog(capacity), log: emptyLog(capacity), lastKept: false });

/** Whether `source` is `before` with rows appended (its newest row possibly replaced by a merge). */
const continues = (before: BoundedLog<LogRow>, source: BoundedLog<LogRow>): boolean => {
  const total = logTotal(before);
  if (source.capacity !== before.capacity || logTotal(source) < total) return false;
  const probe = total - 2;
  if (probe < Math.max(source.dropped, before.dropped)) return true;
  return rowAt(source, probe) === rowAt(before, probe);
};

/** The filtered log of `source`, reusing `previous` when `source` only grew since. */
export const filterLogText = (previous: TextFilteredLog | undefined, source: BoundedLog<LogRow>, query: string): TextFilteredLog => {
  const needle = query.toLowerCase();
  const base = previous && previous.query === needle && continues(previous.source, source) ? previous : fresh(needle, source.capacity);
  if (base.source === source) return base;
  let log = base.log;
  let lastKept = base.lastKept;
  const seen = logTotal(base.source);
  // Merged deltas replace the newest row in place: look at it again.
  if (seen > 0 && seen - 1 >= source.dropped) {
    const row = rowAt(source, seen - 1);
    if (row && row !== rowAt(base.source, seen - 1) && rowShowsText(row, needle)) {
      log = lastKept ? logReplaceLast(log, row) : logPush(log, row);
      lastKept = true;
    }
  }
  const total = logTotal(source);
  for (let i = Math.max(seen, source.dropped); i < total; i++) {
    const row = rowAt(source, i);
    lastKept = row !== undefined && rowShowsText(row, needle);
    if (lastKept) log = logPush(log, row as LogRow);
  }
  return { query: needle, source, log, lastKept };
};
