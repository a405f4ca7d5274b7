import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setup } from "xstate";
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { converse, inlineActors, tellLlm } from "../../src/chart/index.js";
import { scriptedModel, type ModelRequest } from "../../src/llm/index.js";
import { CassetteModel, loadCassette, normalizeRequest, requestKey } from "../../src/llm/cassette/index.js";
import { runChart } from "../../src/runtime/runner.js";

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
  scriptedModel([
    { deltas: [{ text: "Clocks " }, { text: "tick." }] },
    { text: "Escapements regulate." },
    { text: "Done.", events: [{ name: "talk_done" }] },
  ]);
const rowsOf = (path: string) => readFileSync(path, "utf8").trim().split("\n").map((line) => JSON.parse(line) as { event: string; data: any });

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
    const pick = (path: string) => rowsOf(path).filter((r) => r.event === "llm/delta" || r.event === "llm/tool-call").map((r) => r.data.text ?? r.data.name);
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
