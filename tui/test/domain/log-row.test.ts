import { expect, test } from "bun:test";
import { LOG_TEXT_MAX, summarize } from "../../src/domain/index.ts";
import { logRowOf } from "../../src/domain/log-row.ts";

const at = (event: string, data: unknown) => ({ seq: 7, ts: 1, event, data });

test("debugger rows read as words: an interrupt names the calls it aborted", () => {
  expect(summarize(at("debug/interrupted", { invokeIds: ["writer", "critic"] }))).toBe("interrupted model calls of writer, critic");
  expect(summarize(at("debug/interrupted", { invokeIds: [] }))).toBe("interrupt: no model call in flight");
  // One this version does not know: its fields, not JSON.
  expect(summarize(at("debug/seek", { to: "next-turn", seq: 12, ids: ["a", "b"] }))).toBe("seek to next-turn · seq 12 · ids a, b");
  // Other unknown names keep their JSON.
  expect(summarize(at("brand/new", { a: 1 }))).toBe('{"a":1}');
});

test("a failed run's final row keeps its whole error for the pager; its line is cut", () => {
  const message = `no progress for 10 checks (5000 ms): ${"the conversation writer is idle and nothing is pending; ".repeat(4)}`;
  const row = logRowOf(at("runner/done", { status: "error", finalConfig: ["haiku.judging"], error: { category: "wedged", message } }));
  expect(row.lane).toBe("error");
  expect(row.text.length).toBeLessThanOrEqual(LOG_TEXT_MAX);
  expect(row.text.startsWith("run error in judging: wedged: no progress")).toBe(true);
  expect(row.detail).toBe(`run error in haiku.judging\n\nwedged: ${message}`);
});

test("other error rows keep their whole text; rows with a blob, and rows that are not errors, keep none", () => {
  const long = "x".repeat(400);
  expect(logRowOf(at("llm/error", { invokeId: "w", category: "network", message: long })).detail).toBe(`w network: ${long}`);
  expect(logRowOf(at("llm/tool-result", { invokeId: "w", name: "t", isError: true, snippet: "bad", ref: "io/r.json" })).detail).toBeUndefined();
  expect(logRowOf(at("runner/done", { status: "done", finalConfig: ["end"] })).detail).toBeUndefined();
});
