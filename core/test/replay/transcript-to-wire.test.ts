/**
 * The streaming transform against its references: lines split exactly as `readline` splits them
 * (whatever the chunking), `hello` ids as `replayFrames` picks them, and whole replays of real
 * transcripts (and of damaged copies) equal to the pure `replayFrames` frame for frame.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Readable, Writable } from "node:stream";
import { replayFrames, validateEventData, type TranscriptRow } from "@escapement/wire-schema";
import { setup, assign } from "xstate";
import { z } from "zod";
import { beforeAll, describe, expect, it } from "vitest";
import { converse, inlineActors, tellLlm } from "../../src/chart/index.js";
import { scriptedModel } from "../../src/llm/index.js";
import { runChart } from "../../src/runtime/runner.js";
import { emitWire, LineSplitter, runStartedIds, transcriptToWire, transcriptToWireBatches } from "../../src/replay/index.js";
import { prng } from "../support/prng.js";

const collect = async <T>(source: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
};

const readlineLines = (chunks: string[]): Promise<string[]> =>
  collect(createInterface({ input: Readable.from(chunks, { objectMode: true }), crlfDelay: Infinity }));

const splitterLines = (chunks: string[]): string[] => {
  const splitter = new LineSplitter();
  const out: string[] = [];
  for (const chunk of chunks) {
    splitter.feed(chunk);
    for (let line = splitter.next(); line !== undefined; line = splitter.next()) out.push(line);
  }
  const last = splitter.end();
  if (last !== undefined) out.push(last);
  return out;
};

describe("LineSplitter = readline (crlfDelay: Infinity)", () => {
  it("on random texts of line endings and characters, cut into random chunks", async () => {
    const rand = prng(11);
    const alphabet = ["a", "b", "{", "}", '"', "\n", "\n", "\r", "\r\n", "é", "😀", " "];
    for (let i = 0; i < 400; i++) {
      const text = Array.from({ length: Math.floor(rand() * 80) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join("");
      const chunks: string[] = [];
      for (let at = 0; at < text.length; ) {
        const size = 1 + Math.floor(rand() * 12);
        chunks.push(text.slice(at, at + size));
        at += size;
      }
      if (rand() < 0.2) chunks.splice(Math.floor(rand() * (chunks.length + 1)), 0, "");
      expect(splitterLines(chunks), JSON.stringify(chunks)).toEqual(await readlineLines(chunks));
    }
  });

  it("a \\r\\n across two chunks is one line ending; a lone \\r is one too", async () => {
    for (const chunks of [["a\r", "\nb"], ["a\r", "b"], ["a\r", "\r\nb\r"], ["\r"], ["x\r", "", "\ny"], ["a\n\n", "\r\n"]]) {
      expect(splitterLines(chunks)).toEqual(await readlineLines(chunks));
    }
  });
});

describe("runStartedIds = the schema's check of runner/started", () => {
  it("on valid and broken data", () => {
    const valid = { sessionId: "s", runId: "r", chartId: "c", resumed: false };
    const variants: unknown[] = [valid, { ...valid, resumed: true, parentSessionId: "p" }, { ...valid, extra: 1 }, null, [], "x", 3];
    for (const key of ["sessionId", "runId", "chartId", "resumed", "parentSessionId"]) {
      for (const value of [undefined, null, "", "ok", 0, 1, true, false, [], {}]) {
        const data: Record<string, unknown> = { ...valid, [key]: value };
        if (value === undefined) delete data[key];
        variants.push(data);
      }
    }
    for (const data of variants) {
      const checked = validateEventData("runner/started", data);
      expect(runStartedIds(data), JSON.stringify(data)).toEqual(
        checked.ok ? { sessionId: checked.data.sessionId, runId: checked.data.runId, chartId: checked.data.chartId } : undefined,
      );
    }
  });
});

let transcript: string;
beforeAll(async () => {
  // A real run: three conversations, several streamed turns each, chart moves in between.
  const machine = setup({ actors: inlineActors, types: { context: {} as { n: number } } }).createMachine({
    id: "several",
    context: { n: 0 },
    initial: "talk",
    states: {
      talk: {
        invoke: converse({
          id: "talker",
          message: ({ context }: { context: { n: number } }) => `Conversation ${context.n}.`,
          realTools: [],
          allowedEvents: { "talk.done": { schema: z.object({}), description: "done" } },
        }),
        on: { "llm.idle": { actions: tellLlm("talker", "More.") }, "talk.done": "next" },
      },
      next: { always: [{ guard: ({ context }) => context.n >= 2, target: "done" }, { target: "talk", actions: assign({ n: ({ context }) => context.n + 1 }) }] },
      done: { type: "final" },
    },
  });
  const turn = (i: number) => ({ deltas: [{ text: `Part ${i}, ` }, { text: "more " }, { text: "text.\r\n\u2028 \"quoted\"" }] });
  const steps = Array.from({ length: 3 }, () => [turn(1), turn(2), { ...turn(3), events: [{ name: "talk_done" }] }]).flat();
  const root = mkdtempSync(join(tmpdir(), "escapement-t2w-"));
  const run = await runChart({ chart: { id: "several", machine }, model: scriptedModel(steps), sessionDir: join(root, "s"), cwd: root });
  expect(run.status).toBe("done");
  transcript = join(run.sessionDir, "transcript.jsonl");
});

/** The frames of the pure transform over the rows readline + JSON.parse get from the file. */
const reference = async (path: string): Promise<{ frames: unknown[]; skipped: number[] }> => {
  const rows: TranscriptRow[] = [];
  const skipped: number[] = [];
  let n = 0;
  for await (const line of createInterface({ input: Readable.from([readFileSync(path, "utf8")]), crlfDelay: Infinity })) {
    n++;
    if (line.length === 0) continue;
    try {
      const row = JSON.parse(line) as TranscriptRow;
      if (typeof row === "object" && row !== null && Number.isInteger(row.seq) && typeof row.ts === "number" && typeof row.event === "string") rows.push(row);
      else skipped.push(n);
    } catch {
      skipped.push(n);
    }
  }
  return { frames: [...replayFrames(rows)].map((frame) => JSON.parse(JSON.stringify(frame))), skipped };
};

const streamed = async (path: string) => {
  const skipped: number[] = [];
  const lines = await collect(transcriptToWire(path, { onSkip: (line) => skipped.push(line) }));
  return { lines, skipped };
};

describe("transcriptToWire = replayFrames", () => {
  it("on a real multi-conversation transcript: texts, frames and timestamps", async () => {
    const { lines, skipped } = await streamed(transcript);
    const expected = await reference(transcript);
    expect(skipped).toEqual([]);
    expect(lines.map((line) => JSON.parse(line.text))).toEqual(expected.frames);
    expect(lines.map((line) => JSON.parse(JSON.stringify(line.frame)))).toEqual(expected.frames);
    const rows = readFileSync(transcript, "utf8").trim().split("\n").map((l) => JSON.parse(l) as TranscriptRow);
    expect(lines[0]!.ts).toBe(rows[0]!.ts);
    // Event frames carry their row's time, derived frames too.
    const bySeq = new Map(rows.map((row) => [row.seq, row.ts]));
    for (const line of lines.slice(1)) {
      const frame = line.frame as { kind: string; row?: TranscriptRow; rowSeq?: number };
      expect(line.ts).toBe(bySeq.get(frame.kind === "event" ? frame.row!.seq : frame.rowSeq!));
    }
  });

  it("on damaged copies (torn, blank, non-row, CRLF and CR-ended lines, a torn last line)", async () => {
    const rand = prng(5);
    const source = readFileSync(transcript, "utf8").trimEnd().split("\n");
    const dir = mkdtempSync(join(tmpdir(), "escapement-t2w-damaged-"));
    for (let copy = 0; copy < 12; copy++) {
      const out: string[] = [];
      for (const line of source) {
        const r = rand();
        if (r < 0.05) out.push(`${line.slice(0, Math.floor(line.length / 2))}\n`);
        else if (r < 0.1) out.push(`${line}\r\n`);
        else if (r < 0.13) out.push(`${line}\r`);
        else if (r < 0.16) out.push("\n");
        else if (r < 0.18) out.push('{"seq":"x","ts":1,"event":"a/b"}\n');
        else if (r < 0.2) out.push("[1,2]\n");
        else out.push(`${line}\n`);
      }
      if (copy % 2) out.push('{"seq":99,"ts":1,"ev');
      const path = join(dir, `t${copy}.jsonl`);
      writeFileSync(path, out.join(""));
      const { lines, skipped } = await streamed(path);
      const expected = await reference(path);
      expect(skipped).toEqual(expected.skipped);
      expect(lines.map((line) => JSON.parse(line.text))).toEqual(expected.frames);
    }
  });

  it("an empty or unreadable-only transcript is a lone hello; a first row that is not runner/started gives unknown ids", async () => {
    const dir = mkdtempSync(join(tmpdir(), "escapement-t2w-edge-"));
    for (const [name, text] of [["empty", ""], ["junk", "nope\n\n{"], ["other", '{"seq":1,"ts":5,"event":"x/y","data":{}}'], ["bad-start", '{"seq":1,"ts":5,"event":"runner/started","data":{"sessionId":"s","runId":"r","chartId":"c"}}\n']]) {
      const path = join(dir, `${name}.jsonl`);
      writeFileSync(path, text!);
      const { lines } = await streamed(path);
      expect(lines.map((line) => JSON.parse(line.text)), name).toEqual((await reference(path)).frames);
    }
  });

  it("batches: the hello alone first, then the same frames in order", async () => {
    const batches = await collect(transcriptToWireBatches(transcript));
    expect(batches[0]!.map((line) => line.frame.kind)).toEqual(["hello"]);
    expect(batches.flat().map((line) => line.text)).toEqual((await streamed(transcript)).lines.map((line) => line.text));
  });
});

describe("emitWire", () => {
  /** A slow sink with a tiny buffer, so writes wait for drain. */
  const sink = () => {
    let text = "";
    const out = new Writable({
      highWaterMark: 64,
      write(chunk, _encoding, done) {
        text += String(chunk);
        setImmediate(done);
      },
    });
    return { out, text: () => text };
  };

  it("writes every frame as one line, the same instant (chunk by chunk) and paced (frame by frame)", async () => {
    const expected = (await streamed(transcript)).lines.map((line) => `${line.text}\n`).join("");
    for (const timing of [{ mode: "instant" }, { mode: "paced", intervalMs: 0.01 }] as const) {
      const { out, text } = sink();
      const skipped: number[] = [];
      await emitWire(transcript, timing, out, { onSkip: (line) => skipped.push(line) });
      expect(text(), timing.mode).toBe(expected);
      expect(skipped).toEqual([]);
    }
  });
});
