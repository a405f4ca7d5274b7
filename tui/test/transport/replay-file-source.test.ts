import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLineSplitter } from "../../src/transport/line-splitter.ts";
import { openReplayFile } from "../../src/transport/replay-file-source.ts";
import { SAMPLE_PATH } from "../support/frames.ts";

const collect = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};

describe("line splitter", () => {
  test("joins lines across chunks and strips CR", () => {
    const splitter = createLineSplitter();
    expect(splitter.push("ab")).toEqual([]);
    expect(splitter.push("c\r\nde")).toEqual(["abc"]);
    expect(splitter.push("f\n\ng")).toEqual(["def", ""]);
    expect(splitter.end()).toEqual(["g"]);
    expect(splitter.end()).toEqual([]);
  });
});

describe("replay file source", () => {
  test("reads every frame of the sample file in order", async () => {
    const source = openReplayFile(SAMPLE_PATH);
    const frames = await collect(source.frames());
    expect(frames).toHaveLength(41);
    expect(frames[0]?.kind).toBe("hello");
    expect(frames.at(-1)?.kind).toBe("run-finished");
    expect(source.report()).toEqual({ frames: 41, skipped: 0, firstSkipped: [] });
  });

  test("skips and counts lines that are not valid frames", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tui-replay-"));
    const path = join(dir, "bad.wire.jsonl");
    const good = readFileSync(SAMPLE_PATH, "utf8").split("\n").slice(0, 3);
    const lines = [
      good[0],
      "{not json",
      good[1],
      '{"v":1,"kind":"event","seq":2,"row":{"seq":2,"ts":1,"event":"llm/delta","data":{"invokeId":"a"}}}',
      '{"v":2,"kind":"hello"}',
      "",
      good[2],
    ];
    // No trailing newline: the last line still counts.
    writeFileSync(path, lines.join("\n"));
    const source = openReplayFile(path);
    const frames = await collect(source.frames());
    expect(frames.map((f) => f.seq)).toEqual([0, 1, 2]);
    const report = source.report();
    expect(report.frames).toBe(3);
    expect(report.skipped).toBe(3);
    expect(report.firstSkipped.map((s) => [s.position, s.code])).toEqual([
      [2, "malformed-json"],
      [4, "invalid-frame"],
      [5, "unsupported-version"],
    ]);
    expect(report.firstSkipped[1]?.message).toStartWith("/row/data/");
  });
});
