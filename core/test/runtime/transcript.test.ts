import { appendFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TranscriptWriter } from "../../src/runtime/transcript-writer.js";
import { deltaRows } from "../../src/runtime/delta-rows.js";
import { readAllRows, type ReadIssue } from "../../src/runtime/transcript-reader.js";

const fixedClock = { now: () => 1000, setTimeout: () => 0, clearTimeout: () => {} };
const tempFile = () => join(mkdtempSync(join(tmpdir(), "escapement-transcript-")), "transcript.jsonl");

describe("transcript", () => {
  it("assigns gap-free seq and writes rows before taps see them", () => {
    const path = tempFile();
    const writer = new TranscriptWriter(path, { clock: fixedClock });
    const seen: number[] = [];
    writer.tap((rows) => {
      const onDisk = readFileSync(path, "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line).seq as number);
      for (const row of rows) {
        expect(onDisk).toContain(row.seq);
        seen.push(row.seq);
      }
    });
    writer.append("debug/step", { n: 1 });
    writer.append("debug/step", { n: 2 });
    writer.flush();
    writer.append("debug/resumed", {});
    writer.close();
    expect(seen).toEqual([1, 2, 3]);
  });

  it("calls the checkpoint hook with the last seq and the byte offset after each write", () => {
    const path = tempFile();
    const calls: [number, number][] = [];
    const writer = new TranscriptWriter(path, { clock: fixedClock, afterWrite: (seq, offset) => calls.push([seq, offset]) });
    writer.append("debug/resumed", {});
    writer.flush();
    writer.append("debug/paused", { reason: "test" });
    writer.close();
    const size = readFileSync(path).length;
    expect(calls.map(([seq]) => seq)).toEqual([1, 2]);
    expect(calls.at(-1)![1]).toBe(size);
  });

  it("continues numbering from nextSeq (a resumed run)", () => {
    const path = tempFile();
    const writer = new TranscriptWriter(path, { clock: fixedClock, nextSeq: 41 });
    expect(writer.append("debug/resumed", {}).seq).toBe(41);
    writer.close();
  });

  it("reads rows and reports a torn last line instead of failing", async () => {
    const path = tempFile();
    const writer = new TranscriptWriter(path, { clock: fixedClock });
    writer.append("debug/resumed", {});
    writer.append("debug/paused", { reason: "test" });
    writer.close();
    appendFileSync(path, '{"seq":3,"ts":1,"ev');
    const issues: ReadIssue[] = [];
    const rows = await readAllRows(path, { onIssue: (issue) => issues.push(issue) });
    expect(rows.map((row) => row.event)).toEqual(["debug/resumed", "debug/paused"]);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ line: 3 });
  });

  it("rows whose text holds U+2028 and U+2029 (which JSON leaves unescaped) read back whole", async () => {
    const path = tempFile();
    const writer = new TranscriptWriter(path, { clock: fixedClock });
    const texts = ["line\u2028separator", "paragraph\u2029separator", "both\u2028\u2029\r\n"];
    for (const text of texts) writer.append("llm/delta", { invokeId: "agent", turn: 1, kind: "text", text });
    writer.append("debug/resumed", {});
    writer.close();
    expect(readFileSync(path, "utf8")).toContain("\u2028");
    const issues: ReadIssue[] = [];
    const rows = await readAllRows(path, { onIssue: (issue) => issues.push(issue) });
    expect(issues).toEqual([]);
    expect(rows.map((row) => row.seq)).toEqual([1, 2, 3, 4]);
    expect(rows.slice(0, 3).map((row) => (row.data as { text: string }).text)).toEqual(texts);
  });

  describe("streamed rows", () => {
    /** A clock whose timers run only when the test says so. */
    const manualClock = () => {
      const timers = new Map<number, { callback: () => void; ms: number }>();
      let next = 0;
      return {
        timers,
        now: () => 1000,
        setTimeout: (callback: () => void, ms: number) => (timers.set(++next, { callback, ms }), next),
        clearTimeout: (handle: unknown) => void timers.delete(handle as number),
        runAll: () => {
          for (const [id, timer] of [...timers]) {
            timers.delete(id);
            timer.callback();
          }
        },
      };
    };
    const delta = (text: string, turn = 1, kind: "text" | "thinking" = "text") => ({ invokeId: "agent", turn, kind, text });
    const request = { invokeId: "agent", stateId: "s", turn: 1, model: "default", messageCount: 1, tools: [], ref: "io/request.json", snippet: "" };
    const response = {
      invokeId: "agent",
      stateId: "s",
      turn: 2,
      target: "scripted:default",
      stopReason: "end_turn",
      usage: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0 },
      elapsedMs: 1,
      ref: "io/response.json",
      snippet: "",
    } as const;
    const onDisk = (path: string) =>
      readFileSync(path, "utf8")
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line));

    it("fragments of one stream waiting for the same flush become one row; seq stays gap-free", () => {
      const path = tempFile();
      const writer = new TranscriptWriter(path, { clock: fixedClock, streamRows: deltaRows });
      writer.append("llm/request", request);
      for (const text of ["a ", "b ", "c "]) writer.append("llm/delta", delta(text));
      writer.append("llm/delta", delta("thought ", 1, "thinking"));
      writer.append("llm/delta", delta("d ", 2));
      writer.append("llm/response", response);
      writer.append("llm/delta", delta("e "));
      writer.close();
      expect(onDisk(path).map((row) => [row.seq, row.event, row.data.text])).toEqual([
        [1, "llm/request", undefined],
        [2, "llm/delta", "a b c "],
        [3, "llm/delta", "thought "],
        [4, "llm/delta", "d "],
        [5, "llm/response", undefined],
        [6, "llm/delta", "e "],
      ]);
    });

    it("a batch of streamed rows alone waits for the stream timer, not the end of the tick; any other row brings the flush forward", async () => {
      const clock = manualClock();
      const path = tempFile();
      const seen: string[] = [];
      const writer = new TranscriptWriter(path, { clock, streamRows: deltaRows, streamFlushMs: 40 });
      writer.tap((rows) => seen.push(...rows.map((row) => row.event)));
      writer.append("llm/delta", delta("a "));
      await new Promise((resolve) => setImmediate(resolve));
      expect(seen).toEqual([]);
      expect([...clock.timers.values()].map((timer) => timer.ms)).toEqual([40]);
      clock.runAll();
      expect(seen).toEqual(["llm/delta"]);

      writer.append("llm/delta", delta("b "));
      writer.append("debug/paused", { reason: "go" });
      await new Promise((resolve) => setImmediate(resolve));
      expect(seen).toEqual(["llm/delta", "llm/delta", "debug/paused"]);
      expect(clock.timers.size).toBe(0);
      writer.close();
    });

    it("a stream that grows past the batch limit is written at once", () => {
      const path = tempFile();
      const writer = new TranscriptWriter(path, { clock: fixedClock, streamRows: deltaRows, maxBatchBytes: 100 });
      writer.append("llm/delta", delta("x".repeat(60)));
      expect(readFileSync(path, "utf8")).toBe("");
      writer.append("llm/delta", delta("y".repeat(60)));
      expect(onDisk(path).map((row) => row.data.text)).toEqual(["x".repeat(60) + "y".repeat(60)]);
      writer.close();
    });
  });
});
