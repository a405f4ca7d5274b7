import { appendFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TranscriptWriter } from "../../src/runtime/transcript-writer.js";
import { readAllRows, type ReadIssue } from "../../src/runtime/transcript-reader.js";

const fixedClock = { now: () => 1000, setTimeout: () => 0, clearTimeout: () => {} };
const tempFile = () => join(mkdtempSync(join(tmpdir(), "escapement-transcript-")), "transcript.jsonl");

describe("transcript", () => {
  it("assigns gap-free seq and writes rows before taps see them", () => {
    const path = tempFile();
    const writer = new TranscriptWriter(path, { clock: fixedClock });
    const seen: number[] = [];
    writer.tap((rows) => {
      const onDisk = readFileSync(path, "utf8").trim().split("\n").map((line) => JSON.parse(line).seq as number);
      for (const row of rows) {
        expect(onDisk).toContain(row.seq);
        seen.push(row.seq);
      }
    });
    writer.append("a/one", { n: 1 });
    writer.append("a/two", { n: 2 });
    writer.flush();
    writer.append("a/three", {});
    writer.close();
    expect(seen).toEqual([1, 2, 3]);
  });

  it("calls the checkpoint hook with the last seq and the byte offset after each write", () => {
    const path = tempFile();
    const calls: [number, number][] = [];
    const writer = new TranscriptWriter(path, { clock: fixedClock, afterWrite: (seq, offset) => calls.push([seq, offset]) });
    writer.append("x", {});
    writer.flush();
    writer.append("y", {});
    writer.close();
    const size = readFileSync(path).length;
    expect(calls.map(([seq]) => seq)).toEqual([1, 2]);
    expect(calls.at(-1)![1]).toBe(size);
  });

  it("continues numbering from nextSeq (a resumed run)", () => {
    const path = tempFile();
    const writer = new TranscriptWriter(path, { clock: fixedClock, nextSeq: 41 });
    expect(writer.append("x", {}).seq).toBe(41);
    writer.close();
  });

  it("reads rows and reports a torn last line instead of failing", async () => {
    const path = tempFile();
    const writer = new TranscriptWriter(path, { clock: fixedClock });
    writer.append("x", {});
    writer.append("y", {});
    writer.close();
    appendFileSync(path, '{"seq":3,"ts":1,"ev');
    const issues: ReadIssue[] = [];
    const rows = await readAllRows(path, { onIssue: (issue) => issues.push(issue) });
    expect(rows.map((row) => row.event)).toEqual(["x", "y"]);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ line: 3 });
  });
});
