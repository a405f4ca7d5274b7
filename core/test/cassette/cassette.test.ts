import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setup } from "xstate";
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { converse, inlineActors, tellLlm } from "../../src/chart/index.js";
import { scriptedModel, type ModelRequest } from "../../src/llm/index.js";
import { CassetteModel, CassetteWriter, loadCassette, normalizeRequest, requestKey } from "../../src/llm/cassette/index.js";
import { runChart } from "../../src/engine/runner.js";
import { runCli, scratch } from "../examples/harness.js";

/** Three turns: idle, idle, then an event ends the chart. */
const machine = setup({ actors: inlineActors, types: { input: {} as { topic?: string } | undefined, context: {} as { topic: string } } }).createMachine({
  id: "chat",
  context: ({ input }) => ({ topic: input?.topic ?? "clocks" }),
  initial: "talk",
  states: {
    talk: {
      invoke: converse({
        id: "talker",
        message: ({ context }) => `Tell me about ${context.topic}.`,
        realTools: [],
        allowedEvents: { "talk.done": { schema: z.object({}), description: "done" } },
      }),
      on: { "llm.idle": { actions: tellLlm("talker", "More.") }, "talk.done": "done" },
    },
    done: { type: "final" },
  },
});
const chart = { id: "chat", machine };
const script = () =>
  scriptedModel([{ deltas: [{ text: "Clocks " }, { text: "tick." }] }, { text: "Escapements regulate." }, { text: "Done.", events: [{ name: "talk_done" }] }]);
const rowsOf = (path: string) =>
  readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { event: string; data: any });

async function recorded() {
  const root = mkdtempSync(join(tmpdir(), "escapement-cassette-"));
  const result = await runChart({ chart, model: script(), sessionDir: join(root, "recorded"), cwd: root });
  expect(result.status).toBe("done");
  return { root, dir: result.sessionDir };
}

describe("cassettes", () => {
  it("a live run records every call with its stream, and the ids normalized", async () => {
    const { dir } = await recorded();
    const cassette = await loadCassette(dir, "chat");
    expect(cassette.calls.map((call) => call.position)).toEqual([1, 2, 3]);
    expect(cassette.calls[0]!.stream.map((s) => s.text)).toEqual(["Clocks ", "tick."]);
    expect(cassette.calls[2]!.response!.content.some((b) => b.type === "tool-call")).toBe(true);
    const text = readFileSync(join(dir, "cassette.jsonl"), "utf8");
    expect(text).not.toMatch(/apiKey|authorization/i);
    // Lines are built from reused pieces of text; each is still exactly what JSON.stringify writes.
    for (const line of text.trim().split("\n")) expect(JSON.stringify(JSON.parse(line))).toBe(line);
    expect(cassette.calls[1]!.request.messages.map((message) => message.role)).toEqual(["user", "assistant", "user"]);
  });

  it("normalizes volatile tool-call ids, so equal conversations have equal keys", () => {
    const base = (id: string): ModelRequest => ({
      model: "default",
      messages: [
        { role: "assistant", content: [{ type: "tool-call", id, name: "x", input: {} }] },
        { role: "user", content: [{ type: "tool-result", toolCallId: id, name: "x", output: "ok" }] },
      ],
      tools: [],
      params: {},
      stream: true,
      origin: { invokeId: "a", stateId: "s", turn: 2 },
    });
    expect(requestKey(normalizeRequest(base("toolu_01ABC")))).toBe(requestKey(normalizeRequest(base("call_zz9"))));
  });

  it("strict replay reproduces the transcript's model rows at zero cost", async () => {
    const { root, dir } = await recorded();
    const replay = new CassetteModel(await loadCassette(dir, "chat"), { mode: "strict" });
    const result = await runChart({ chart, model: replay, sessionDir: join(root, "replayed"), cwd: root });
    expect(result.status).toBe("done");
    const pick = (path: string) =>
      rowsOf(path)
        .filter((r) => r.event === "llm/delta" || r.event === "llm/tool-call")
        .map((r) => r.data.text ?? r.data.name);
    expect(pick(result.transcriptPath)).toEqual(pick(join(dir, "transcript.jsonl")));
  });

  it("a strict miss stops the run and names the diverging request", async () => {
    const { root, dir } = await recorded();
    const replay = new CassetteModel(await loadCassette(dir, "chat"), { mode: "strict" });
    const result = await runChart({ chart, model: replay, input: { topic: "bells" }, sessionDir: join(root, "miss"), cwd: root });
    expect(result.status).toBe("error");
    expect(result.error?.category).toBe("cassette-miss");
    expect(result.error?.message).toContain('recorded "Tell me about clocks."');
    expect(result.error?.message).toContain('now "Tell me about bells."');
  });

  it("fork mode goes live at --fork-at and records into the new session", async () => {
    const { root, dir } = await recorded();
    const live = scriptedModel([{ text: "A live answer.", events: [{ name: "talk_done" }] }]);
    const forks: number[] = [];
    const replay = new CassetteModel(await loadCassette(dir, "chat"), { mode: "fork", forkAt: 3, live, onFork: (position) => forks.push(position) });
    const result = await runChart({ chart, model: replay, sessionDir: join(root, "forked"), cwd: root });
    expect(result.status).toBe("done");
    expect(forks).toEqual([3]);
    expect(live.calls).toHaveLength(1);
    const cassette = await loadCassette(result.sessionDir, "chat");
    expect(cassette.calls).toHaveLength(3);
    expect(cassette.calls[2]!.response!.content).toContainEqual({ type: "text", text: "A live answer." });
  });

  it("refuses a cassette of another chart, a truncated one, and --fork-at beyond the last call", async () => {
    const { root, dir } = await recorded();
    await expect(loadCassette(dir, "other-chart")).rejects.toThrow(/recorded for chart "chat", not "other-chart"/);
    const torn = join(root, "torn.jsonl");
    writeFileSync(torn, readFileSync(join(dir, "cassette.jsonl"), "utf8"));
    appendFileSync(torn, '{"kind":"call","posi');
    expect((await loadCassette(torn, "chat")).skipped).toBe(1);
    writeFileSync(join(root, "empty.jsonl"), "");
    await expect(loadCassette(join(root, "empty.jsonl"))).rejects.toThrow(/empty/);
    const cassette = await loadCassette(dir, "chat");
    expect(() => new CassetteModel(cassette, { mode: "fork", forkAt: 9, live: script() })).toThrow(/beyond the last recorded call \(3/);
  });
});

describe("model text holding U+2028 and U+2029 (JSON leaves them unescaped)", () => {
  const work = scratch("cassette-separators");
  const pick = (path: string) =>
    rowsOf(path)
      .filter((r) => r.event === "llm/delta" || r.event === "llm/tool-call")
      .map((r) => r.data.text ?? r.data.name);

  it("every call is recorded and a strict replay reproduces the run", async () => {
    const model = scriptedModel([
      { deltas: [{ text: "Line\u2028" }, { text: "separator." }] },
      { text: "Paragraph\u2029separator." },
      { text: "Both\u2028\u2029done.", events: [{ name: "talk_done" }] },
    ]);
    const recordedRun = await runChart({ chart, model, sessionDir: join(work, "recorded"), cwd: work });
    expect(recordedRun.status).toBe("done");
    const cassette = await loadCassette(recordedRun.sessionDir, "chat");
    expect(cassette.skipped).toBe(0);
    expect(cassette.calls.map((call) => call.position)).toEqual([1, 2, 3]);
    expect(cassette.calls[0]!.stream.map((s) => s.text)).toEqual(["Line\u2028", "separator."]);
    const replayed = await runChart({ chart, model: new CassetteModel(cassette, { mode: "strict" }), sessionDir: join(work, "replayed"), cwd: work });
    expect(replayed.status).toBe("done");
    expect(pick(replayed.transcriptPath)).toEqual(pick(recordedRun.transcriptPath));
  });

  it("`run --replay <session>` of such a session ends done", async () => {
    const text = "Hello,\u2028world!\u2029Welcome.";
    const script = join(work, "script.json");
    writeFileSync(script, JSON.stringify([{ deltas: [{ text }], events: [{ name: "greeting_done", payload: { greeting: text } }] }]));
    const recordedDir = join(work, "cli-recorded");
    const first = await runCli(["run", "examples/hello", "--no-tui", "--script", script, "--session-dir", recordedDir], { deadlineMs: 30_000 });
    expect(first.code, first.stderr).toBe(0);
    const replayedDir = join(work, "cli-replayed");
    const replay = await runCli(["run", "examples/hello", "--no-tui", "--replay", recordedDir, "--session-dir", replayedDir], { deadlineMs: 30_000 });
    expect(replay.code, replay.stderr).toBe(0);
    expect(pick(join(replayedDir, "transcript.jsonl"))).toEqual([text, "greeting_done"]);
  });
});

describe("cassette format", () => {
  const header = (version: number) => JSON.stringify({ kind: "cassette", version, chartId: "chat", sessionId: "s", createdAt: 0 });
  const call = (position: number, stream: unknown) =>
    JSON.stringify({
      kind: "call",
      position,
      origin: { invokeId: "talker", stateId: "talk", turn: position },
      key: `k${position}`,
      request: {},
      response: {},
      stream,
      elapsedMs: 9,
    });

  it("version 2 stores each streamed fragment as [atMs, text], thinking marked", async () => {
    const root = mkdtempSync(join(tmpdir(), "escapement-cassette-"));
    const model = scriptedModel([{ deltas: [{ text: "Hm.", kind: "thinking" }, { text: "Clocks " }, { text: "tick." }], events: [{ name: "talk_done" }] }]);
    const result = await runChart({ chart, model, sessionDir: join(root, "s"), cwd: root });
    expect(result.status).toBe("done");
    const [head, line] = readFileSync(join(result.sessionDir, "cassette.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((text) => JSON.parse(text));
    expect(head).toMatchObject({ kind: "cassette", version: 2 });
    expect(line.stream.map((fragment: unknown[]) => fragment.slice(1))).toEqual([["Hm.", "thinking"], ["Clocks "], ["tick."]]);
    expect(line.stream.every((fragment: unknown[]) => typeof fragment[0] === "number")).toBe(true);
    const loaded = await loadCassette(result.sessionDir, "chat");
    expect(loaded.calls[0]!.stream.map(({ kind, text }) => ({ kind, text }))).toEqual([
      { kind: "thinking", text: "Hm." },
      { kind: "text", text: "Clocks " },
      { kind: "text", text: "tick." },
    ]);
  });

  it("loads version 1 cassettes, and skips a call whose stream is neither shape", async () => {
    const root = mkdtempSync(join(tmpdir(), "escapement-cassette-"));
    const path = join(root, "v1.jsonl");
    writeFileSync(
      path,
      [header(1), call(1, [{ atMs: 3, kind: "text", text: "Hi" }]), call(2, [{ atMs: 3, text: "no kind" }]), call(3, [[3]])].join("\n") + "\n",
    );
    const loaded = await loadCassette(path, "chat");
    expect(loaded.calls.map((c) => c.position)).toEqual([1]);
    expect(loaded.calls[0]!.stream).toEqual([{ atMs: 3, kind: "text", text: "Hi" }]);
    expect(loaded.skipped).toBe(2);
    writeFileSync(path, `${header(3)}\n`);
    await expect(loadCassette(path)).rejects.toThrow(/cassette version 3 is not supported \(this build reads 1 and 2\)/);
  });

  it("a run resumed on a version 1 cassette appends in version 1", async () => {
    const root = mkdtempSync(join(tmpdir(), "escapement-cassette-"));
    const path = join(root, "cassette.jsonl");
    writeFileSync(path, `${header(1)}\n${call(1, [{ atMs: 3, kind: "text", text: "Hi" }])}\n`);
    const writer = new CassetteWriter(path, { chartId: "chat", sessionId: "s", createdAt: 0 });
    writer.append(
      {
        kind: "call",
        position: 2,
        origin: { invokeId: "talker", stateId: "talk", turn: 2 },
        key: "k2",
        stream: [
          [4, "Yo"],
          [5, "Hm", "thinking"],
        ],
        elapsedMs: 6,
      },
      "{}",
    );
    const lines = readFileSync(path, "utf8")
      .trim()
      .split("\n")
      .map((text) => JSON.parse(text));
    expect(lines).toHaveLength(3);
    expect(lines[2].stream).toEqual([
      { atMs: 4, kind: "text", text: "Yo" },
      { atMs: 5, kind: "thinking", text: "Hm" },
    ]);
    expect((await loadCassette(path, "chat")).calls.map((c) => c.stream.length)).toEqual([1, 2]);
  });
});

describe("loop detection", () => {
  it("stops a run that repeats the same request, with llm/loop-detected", async () => {
    const looping = setup({ actors: inlineActors }).createMachine({
      id: "loop",
      initial: "ask",
      states: {
        ask: {
          invoke: converse({ id: "asker", message: "Same question.", realTools: [] }),
          // Leaving and re-entering starts a new conversation with the very same first request.
          on: { "llm.idle": { target: "again" } },
        },
        again: { always: "ask" },
      },
    });
    const root = mkdtempSync(join(tmpdir(), "escapement-loop-"));
    const model = scriptedModel(Array.from({ length: 20 }, () => ({ text: "Same answer." })));
    const result = await runChart({ chart: { id: "loop", machine: looping }, model, loopThreshold: 4, sessionDir: join(root, "s"), cwd: root });
    expect(result.status).toBe("error");
    expect(result.error?.category).toBe("loop-detected");
    const rows = rowsOf(result.transcriptPath);
    expect(rows.filter((r) => r.event === "llm/response")).toHaveLength(3);
    expect(rows.find((r) => r.event === "llm/loop-detected")?.data).toMatchObject({ count: 4 });
  });
});
