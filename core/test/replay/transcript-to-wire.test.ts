/**
 * The streaming transform against its references: `hello` ids as `replayFrames` picks them, and
 * whole replays of real transcripts (and of damaged copies) equal to the pure `replayFrames` frame
 * for frame, over the JSONL lines of the file (split at "\n" only: model text holding U+2028 or
 * U+2029 stays in its row).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { replayFrames, validateEventData, type TranscriptRow } from "@escapement/wire-schema";
import { setup, assign } from "xstate";
import { z } from "zod";
import { beforeAll, describe, expect, it } from "vitest";
import { converse, inlineActors, tellLlm } from "../../src/chart/index.js";
import { scriptedModel } from "../../src/llm/index.js";
import { runChart } from "../../src/engine/runner.js";
import { emitWire, runStartedIds, transcriptToWire, transcriptToWireBatches } from "../../src/replay/index.js";
import { prng } from "../support/prng.js";

const collect = async <T>(source: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
};

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
      next: {
        always: [
          { guard: ({ context }) => context.n >= 2, target: "done" },
          { target: "talk", actions: assign({ n: ({ context }) => context.n + 1 }) },
        ],
      },
      done: { type: "final" },
    },
  });
  const turn = (i: number) => ({ deltas: [{ text: `Part ${i}, ` }, { text: "more " }, { text: 'text.\r\n\u2028 "quoted"\u2029' }] });
  const steps = Array.from({ length: 3 }, () => [turn(1), turn(2), { ...turn(3), events: [{ name: "talk_done" }] }]).flat();
  const root = mkdtempSync(join(tmpdir(), "escapement-t2w-"));
  const run = await runChart({ chart: { id: "several", machine }, model: scriptedModel(steps), sessionDir: join(root, "s"), cwd: root });
  expect(run.status).toBe("done");
  transcript = join(run.sessionDir, "transcript.jsonl");
});

/** The lines of a JSONL text by definition: split at "\n", a "\r" before it dropped, none after a final "\n". */
const jsonlLines = (text: string): string[] => {
  const lines = text.split("\n").map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line));
  if (lines.at(-1) === "") lines.pop();
  return lines;
};

/** The frames of the pure transform over the rows of the file's JSONL lines. */
const reference = async (path: string): Promise<{ frames: unknown[]; skipped: number[] }> => {
  const rows: TranscriptRow[] = [];
  const skipped: number[] = [];
  let n = 0;
  for (const line of jsonlLines(readFileSync(path, "utf8"))) {
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
    const rows = readFileSync(transcript, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as TranscriptRow);
    expect(lines[0]!.ts).toBe(rows[0]!.ts);
    // Every row is an event frame, those whose model text holds U+2028 / U+2029 included.
    const events = lines.flatMap((line) => (line.frame.kind === "event" ? [line.frame.row] : []));
    expect(events.map((row) => row.seq)).toEqual(rows.map((row) => row.seq));
    const deltas = events
      .filter((row) => row.event === "llm/delta")
      .map((row) => (row.data as { text: string }).text)
      .join("");
    expect(deltas.split('text.\r\n\u2028 "quoted"\u2029')).toHaveLength(10);
    // Event frames carry their row's time, derived frames too.
    const bySeq = new Map(rows.map((row) => [row.seq, row.ts]));
    for (const line of lines.slice(1)) {
      const frame = line.frame as { kind: string; row?: TranscriptRow; rowSeq?: number };
      expect(line.ts).toBe(bySeq.get(frame.kind === "event" ? frame.row!.seq : frame.rowSeq!));
    }
  });

  it("on damaged copies (torn, blank, non-row, CRLF lines, a stray \\r that ends no line, a torn last line)", async () => {
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
    for (const [name, text] of [
      ["empty", ""],
      ["junk", "nope\n\n{"],
      ["other", '{"seq":1,"ts":5,"event":"x/y","data":{}}'],
      ["bad-start", '{"seq":1,"ts":5,"event":"runner/started","data":{"sessionId":"s","runId":"r","chartId":"c"}}\n'],
    ]) {
      const path = join(dir, `${name}.jsonl`);
      writeFileSync(path, text!);
      const { lines } = await streamed(path);
      expect(
        lines.map((line) => JSON.parse(line.text)),
        name,
      ).toEqual((await reference(path)).frames);
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
