import { appendFileSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { replayFrames, validateFrame, type TranscriptRow } from "@escapement/wire-schema";
import { setup } from "xstate";
import { z } from "zod";
import { beforeAll, describe, expect, it } from "vitest";
import { converse, inlineActors } from "../../src/chart/index.js";
import { scriptedModel } from "../../src/llm/index.js";
import { runChart } from "../../src/engine/runner.js";
import { delayBefore, play, PlaybackControl, transcriptToWire, type WireLine } from "../../src/replay/index.js";
import { main } from "../../src/cli/main.js";

let dir: string;
beforeAll(async () => {
  const machine = setup({ actors: inlineActors }).createMachine({
    id: "replayable",
    initial: "talk",
    states: {
      talk: {
        invoke: converse({ id: "talker", message: "hi", realTools: [], allowedEvents: { "talk.done": { schema: z.object({}), description: "done" } } }),
        on: { "talk.done": "done" },
      },
      done: { type: "final" },
    },
  });
  const root = mkdtempSync(join(tmpdir(), "escapement-replay-"));
  const model = scriptedModel([{ deltas: [{ text: "Hello " }, { text: "there." }], events: [{ name: "talk_done" }] }]);
  dir = (await runChart({ chart: { id: "replayable", machine }, model, sessionDir: join(root, "s"), cwd: root })).sessionDir;
});

const collect = async <T>(source: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
};

describe("transcript -> wire", () => {
  it("streams exactly the frames of the pure replay transform, every one valid", async () => {
    const transcript = join(dir, "transcript.jsonl");
    const lines = await collect(transcriptToWire(transcript));
    const rows = readFileSync(transcript, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as TranscriptRow);
    expect(lines.map((line) => JSON.parse(line.text))).toEqual([...replayFrames(rows)].map((frame) => JSON.parse(JSON.stringify(frame))));
    for (const line of lines) expect(validateFrame(line.text, { direction: "outbound" }).ok).toBe(true);
    expect(lines[0]!.frame).toMatchObject({ kind: "hello", replay: true });
  });

  it("skips torn and invalid lines, counting them, and keeps going", async () => {
    const copy = join(mkdtempSync(join(tmpdir(), "escapement-torn-")), "transcript.jsonl");
    const text = readFileSync(join(dir, "transcript.jsonl"), "utf8").split("\n");
    writeFileSync(copy, [text[0], "not json", '{"seq":"x"}', ...text.slice(1)].join("\n"));
    appendFileSync(copy, '{"seq":99,"ts":1,"ev');
    const skipped: number[] = [];
    const lines = await collect(transcriptToWire(copy, { onSkip: (line) => skipped.push(line) }));
    expect(skipped).toEqual([2, 3, text.length + 2]);
    expect(lines.at(-1)!.frame.kind).toBe("run-finished");
  });
});

describe("playback timing", () => {
  const line = (ts: number): WireLine => ({ text: "", frame: { v: 1, kind: "heartbeat", seq: 0, ts } as never, ts });

  it("instant, paced and wallclock (scaled and capped) delays", () => {
    expect(delayBefore({ mode: "instant" }, line(0), line(5000))).toBe(0);
    expect(delayBefore({ mode: "paced", intervalMs: 40 }, line(0), line(5000))).toBe(40);
    expect(delayBefore({ mode: "wallclock", speed: 2, capMs: 10_000 }, line(0), line(3000))).toBe(1500);
    expect(delayBefore({ mode: "wallclock", speed: 1, capMs: 2000 }, line(0), line(60_000))).toBe(2000);
    expect(delayBefore({ mode: "wallclock", speed: 1, capMs: 2000 }, undefined, line(60_000))).toBe(0);
  });

  it("pauses until resumed, and a skip releases frames without waiting", async () => {
    const waits: number[] = [];
    const control = new PlaybackControl();
    const sleep = (ms: number, signal: AbortSignal) =>
      new Promise<void>((resolve) => {
        waits.push(ms);
        if (ms < 1e9) return resolve();
        signal.addEventListener("abort", () => resolve(), { once: true });
      });
    async function* source() {
      for (let i = 0; i < 4; i++) yield line(i * 1000);
    }
    control.pause();
    const played: number[] = [];
    const done = (async () => {
      for await (const l of play(source(), { mode: "paced", intervalMs: 10 }, { sleep, control })) played.push(l.ts);
    })();
    await new Promise((r) => setTimeout(r, 5));
    expect(played).toEqual([]);
    control.skip(2);
    await new Promise((r) => setTimeout(r, 5));
    expect(played).toEqual([0, 1000]);
    control.resume();
    await done;
    expect(played).toEqual([0, 1000, 2000, 3000]);
    expect(waits.filter((ms) => ms === 10)).toHaveLength(2);
  });
});

describe("escapement open", () => {
  const io = (tty = false) => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = "";
    let err = "";
    stdout.on("data", (c) => (out += c));
    stderr.on("data", (c) => (err += c));
    return { io: { cwd: dir, env: {}, stdin: new PassThrough(), stdout, stderr, stdoutIsTty: tty }, out: () => out, err: () => err };
  };

  it("--emit-wire writes the wire JSONL to stdout", async () => {
    const cli = io();
    expect(await main(["open", dir, "--emit-wire"], cli.io)).toBe(0);
    const frames = cli
      .out()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { kind: string });
    expect(frames[0]!.kind).toBe("hello");
    expect(frames.at(-1)!.kind).toBe("run-finished");
  });

  it.each([
    ["blank", () => "", "missing <session>"],
    ["missing", () => "/definitely/not/here", "no such session directory"],
    ["a file", () => join(dir, "transcript.jsonl"), "not a directory"],
  ])("refuses a %s path with exit 2", async (_what, path, message) => {
    const cli = io();
    expect(await main(["open", path(), "--emit-wire"], cli.io)).toBe(2);
    expect(cli.err()).toContain(message);
  });

  it("refuses a directory with no transcript, and a non-TTY without --emit-wire, with exit 2", async () => {
    const empty = join(mkdtempSync(join(tmpdir(), "escapement-empty-")), "d");
    mkdirSync(empty);
    const a = io();
    expect(await main(["open", empty, "--emit-wire"], a.io)).toBe(2);
    expect(a.err()).toContain("holds no transcript.jsonl");
    const b = io(false);
    expect(await main(["open", dir], b.io)).toBe(2);
    expect(b.err()).toContain("needs a terminal");
  });

  it("takes a session id, as the other session commands do", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "escapement-open-id-"));
    const sessions = join(cwd, ".escapement");
    mkdirSync(join(sessions, "s-42"), { recursive: true });
    writeFileSync(join(sessions, "s-42", "transcript.jsonl"), readFileSync(join(dir, "transcript.jsonl")));
    const cli = io();
    expect(await main(["open", "s-42", "--emit-wire"], { ...cli.io, cwd })).toBe(0);
    expect(cli.out().split("\n").filter(Boolean).at(-1)).toContain('"kind":"run-finished"');
    const missing = io();
    expect(await main(["open", "s-43", "--emit-wire"], { ...missing.io, cwd })).toBe(2);
    expect(missing.err()).toContain(`no session "s-43" in ${sessions}`);
  });

  it("rejects an unknown timing mode", async () => {
    const cli = io();
    expect(await main(["open", dir, "--timing", "fast"], cli.io)).toBe(2);
    expect(cli.err()).toMatch(/instant, paced, wallclock/);
  });
});
