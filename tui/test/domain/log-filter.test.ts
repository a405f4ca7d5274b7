import { describe, expect, test } from "bun:test";
import { emptyLog, logPush, logReplaceLast, type BoundedLog } from "../../src/domain/bounded-log.ts";
import { countRows, filterLogText, logTotal, rowAt, type Lane, type LogRow } from "../../src/domain/index.ts";
import { deltaLogRow } from "../../src/domain/log-row.ts";

const row = (seq: number, lane: Lane, text: string): LogRow => ({ seq, ts: seq, lane, event: `${lane}/x`, text });
const texts = (log: BoundedLog<LogRow>): string[] => {
  const out: string[] = [];
  for (let i = log.dropped; i < logTotal(log); i++) out.push(rowAt(log, i)?.text ?? "?");
  return out;
};

describe("the LOG's text filter", () => {
  let log = emptyLog<LogRow>(1000);
  log = logPush(log, row(1, "chart", "started demo (s-1)"));
  log = logPush(log, row(2, "llm", "writer #1 → smart: Write a Haiku"));
  log = logPush(log, row(3, "error", "writer wedged: no progress"));
  log = logPush(log, row(4, "tool", "writer search started"));

  test("keeps the rows whose visible text (lane and line) holds the query, case ignored", () => {
    expect(texts(filterLogText(undefined, log, "WRITER").log)).toEqual([
      "writer #1 → smart: Write a Haiku",
      "writer wedged: no progress",
      "writer search started",
    ]);
    expect(texts(filterLogText(undefined, log, "haiku").log)).toEqual(["writer #1 → smart: Write a Haiku"]);
    // The lane is part of what a row shows.
    expect(texts(filterLogText(undefined, log, "error").log)).toEqual(["writer wedged: no progress"]);
    expect(texts(filterLogText(undefined, log, "nothing like it").log)).toEqual([]);
  });

  test("rows arriving later are added by looking at them alone; the filtered rows keep their indexes", () => {
    const first = filterLogText(undefined, log, "writer");
    const more = logPush(logPush(log, row(5, "chart", "checkpoint")), row(6, "llm", "writer #2"));
    const next = filterLogText(first, more, "writer");
    expect(next.log.sealed).toBe(first.log.sealed);
    expect(texts(next.log)).toEqual([...texts(first.log), "writer #2"]);
    expect(rowAt(next.log, 0)).toBe(rowAt(first.log, 0));
  });

  test("a merged delta row that grows into a match, or keeps matching, is the filtered log's newest row", () => {
    const raw = (seq: number) => ({ seq, ts: seq, event: "llm/delta", data: {} });
    const delta = (text: string) => ({ invokeId: "critic", turn: 1, kind: "text", text });
    let source = logPush(log, deltaLogRow(undefined, raw(5), delta("The ")));
    let filtered = filterLogText(undefined, source, "haiku is");
    expect(texts(filtered.log)).toHaveLength(0);
    source = logReplaceLast(source, deltaLogRow(rowAt(source, 4), raw(6), delta("haiku is")));
    filtered = filterLogText(filtered, source, "haiku is");
    expect(texts(filtered.log)).toEqual(["critic #1 ▸ The haiku is"]);
    source = logReplaceLast(source, deltaLogRow(rowAt(source, 4), raw(7), delta(" fine")));
    filtered = filterLogText(filtered, source, "haiku is");
    expect(texts(filtered.log)).toEqual(["critic #1 ▸ The haiku is fine"]);
  });

  test("another query, or a log that started over (a new run), filters from scratch", () => {
    const first = filterLogText(undefined, log, "writer");
    expect(texts(filterLogText(first, log, "started").log)).toEqual(["started demo (s-1)", "writer search started"]);
    const restarted = logPush(emptyLog<LogRow>(1000), row(1, "chart", "writer again"));
    expect(texts(filterLogText(first, restarted, "writer").log)).toEqual(["writer again"]);
  });
});

describe("counting rows for the LOG's position", () => {
  let log = emptyLog<LogRow>(128);
  for (let seq = 1; seq <= 300; seq++) log = logPush(log, row(seq, seq % 3 === 0 ? "error" : "chart", `r${seq}`));
  const errors = new Set<Lane>(["error"]);

  test("held rows, or those of the lanes, below an absolute index", () => {
    const held = 300 - log.dropped;
    expect(countRows(log)).toBe(held);
    expect(countRows(log, undefined, 299)).toBe(held - 1);
    const errorRows = (from: number, to: number) => {
      let n = 0;
      for (let seq = from; seq <= to; seq++) if (seq % 3 === 0) n++;
      return n;
    };
    expect(countRows(log, errors)).toBe(errorRows(log.dropped + 1, 300));
    expect(countRows(log, errors, 250)).toBe(errorRows(log.dropped + 1, 250));
    // The same counts again come from the chunk cache and agree.
    expect(countRows(log, errors, 250)).toBe(errorRows(log.dropped + 1, 250));
    expect(countRows(log, errors, 0)).toBe(0);
  });
});
