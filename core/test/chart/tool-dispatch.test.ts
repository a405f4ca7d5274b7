/** How one model step's tool calls run: parallel-safe together, serial alone and in order, identical calls once, each with a timeout. */
import { describe, expect, it } from "vitest";
import { setup } from "xstate";
import { z } from "zod";
import { converse, inlineActors } from "../../src/chart/index.js";
import { scriptedModel, type ContentBlock, type ScriptToolCall } from "../../src/llm/index.js";
import { defineTool, ToolRegistry, type Tool } from "../../src/tools/index.js";
import type { TranscriptRow } from "../../src/runtime/index.js";
import { rowsOf, runScripted } from "./helpers.js";

const chart = (realTools: string[]) =>
  setup({ actors: inlineActors }).createMachine({
    id: "dispatch",
    initial: "talking",
    states: {
      talking: { invoke: converse({ id: "c", message: "go", realTools }), on: { "llm.idle": "done" } },
      done: { type: "final" },
    },
  });

/** Waits `ms` (or until aborted); records when it started and ended. */
const napTool = (name: string, parallel: boolean, log: string[], ms: number): Tool<{ tag: string }> =>
  defineTool({
    name,
    description: "waits",
    input: z.object({ tag: z.string() }),
    parallel,
    async execute(input, context) {
      log.push(`start ${input.tag}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        context.signal.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve();
        });
      });
      log.push(`end ${input.tag}`);
      return { output: `${input.tag} done` };
    },
  });

const call = (name: string, tag: string, id = `call-${tag}`): ScriptToolCall => ({ name, input: { tag }, id });

const toolResults = (blocks: readonly ContentBlock[]) =>
  blocks.filter((block): block is Extract<ContentBlock, { type: "tool-result" }> => block.type === "tool-result");

/** The transcript's tool/started and tool/finished rows as "started a" / "finished a", in seq order. */
const lifecycle = (rows: readonly TranscriptRow[]): string[] =>
  rows
    .filter((row) => row.event === "tool/started" || row.event === "tool/finished")
    .map((row) => `${row.event === "tool/started" ? "started" : "finished"} ${(row.data as { toolCallId: string }).toolCallId}`);

describe("tool dispatch", () => {
  it("three parallel one-second calls overlap: all three start before any finishes, and results come back in call order", async () => {
    const log: string[] = [];
    const model = scriptedModel([{ toolCalls: [call("nap", "a"), call("nap", "b"), call("nap", "c")] }, { text: "done" }]);
    const { result, rows } = await runScripted({ chart: chart(["nap"]), model, tools: new ToolRegistry([napTool("nap", true, log, 1000)]) });
    expect(result.status).toBe("done");
    const order = lifecycle(rows);
    expect(order.slice(0, 3).sort()).toEqual(["started call-a", "started call-b", "started call-c"]);
    expect(order.slice(3).sort()).toEqual(["finished call-a", "finished call-b", "finished call-c"]);
    const started = rowsOf(rows, "tool/started").map((row) => row.ts);
    const finished = rowsOf(rows, "tool/finished").map((row) => row.ts);
    // Overlap: the last start precedes the first finish, so the three seconds of waiting were shared.
    expect(Math.max(...started)).toBeLessThanOrEqual(Math.min(...finished));
    expect(toolResults(model.calls[1]!.messages.at(-1)!.content).map((block) => block.toolCallId)).toEqual(["call-a", "call-b", "call-c"]);
  });

  it("runs at most four parallel-safe calls at once by default", async () => {
    let running = 0;
    let most = 0;
    const wide = defineTool({
      name: "wide",
      description: "counts how many run at once",
      input: z.object({ tag: z.string() }),
      parallel: true,
      async execute(input) {
        most = Math.max(most, ++running);
        await new Promise((resolve) => setTimeout(resolve, 50));
        running--;
        return { output: input.tag };
      },
    });
    const model = scriptedModel([{ toolCalls: ["1", "2", "3", "4", "5", "6", "7"].map((tag) => call("wide", tag)) }, { text: "done" }]);
    const { result } = await runScripted({ chart: chart(["wide"]), model, tools: new ToolRegistry([wide]) });
    expect(result.status).toBe("done");
    expect(most).toBe(4);
  });

  it("a serial call runs alone: calls before it finish first, calls after it wait, so side effects keep the model's order", async () => {
    const log: string[] = [];
    const tools = new ToolRegistry([napTool("read", true, log, 40), napTool("write", false, log, 40)]);
    const model = scriptedModel([
      { toolCalls: [call("read", "r1"), call("read", "r2"), call("write", "w1"), call("write", "w2"), call("read", "r3"), call("read", "r4")] },
      { text: "done" },
    ]);
    const { result, rows } = await runScripted({ chart: chart(["read", "write"]), model, tools });
    expect(result.status).toBe("done");
    const order = lifecycle(rows);
    const at = (entry: string): number => order.indexOf(entry);
    expect(at("started call-w1")).toBeGreaterThan(Math.max(at("finished call-r1"), at("finished call-r2")));
    expect(at("finished call-w1")).toBe(at("started call-w1") + 1);
    expect(at("started call-w2")).toBe(at("finished call-w1") + 1);
    expect(at("finished call-w2")).toBe(at("started call-w2") + 1);
    expect(Math.min(at("started call-r3"), at("started call-r4"))).toBeGreaterThan(at("finished call-w2"));
    // The reads on either side of the writes each overlapped.
    expect(log.slice(0, 2).sort()).toEqual(["start r1", "start r2"]);
    expect(log.slice(-4, -2).sort()).toEqual(["start r3", "start r4"]);
  });

  it("identical parallel-safe calls in one step run once and share the result; a write in between starts afresh", async () => {
    let runs = 0;
    const count = defineTool({
      name: "count",
      description: "counts its runs",
      input: z.object({ path: z.string(), opts: z.object({ a: z.number(), b: z.number() }) }),
      parallel: true,
      async execute(input) {
        runs++;
        return { output: `${input.path} run ${runs}` };
      },
    });
    const log: string[] = [];
    const tools = new ToolRegistry([count, napTool("write", false, log, 1)]);
    const model = scriptedModel([
      {
        toolCalls: [
          { name: "count", input: { path: "x", opts: { a: 1, b: 2 } }, id: "c1" },
          // The same arguments in another key order: the same call.
          { name: "count", input: { opts: { b: 2, a: 1 }, path: "x" }, id: "c2" },
          { name: "count", input: { path: "y", opts: { a: 1, b: 2 } }, id: "c3" },
          { name: "write", input: { tag: "w" }, id: "w" },
          { name: "count", input: { path: "x", opts: { a: 1, b: 2 } }, id: "c4" },
        ],
      },
      { text: "done" },
    ]);
    const { result, rows } = await runScripted({ chart: chart(["count", "write"]), model, tools });
    expect(result.status).toBe("done");
    expect(runs).toBe(3);
    const outputs = Object.fromEntries(toolResults(model.calls[1]!.messages.at(-1)!.content).map((block) => [block.toolCallId, block.output]));
    expect(outputs["c2"]).toBe(outputs["c1"]);
    expect(outputs["c3"]).not.toBe(outputs["c1"]);
    expect(outputs["c4"]).not.toBe(outputs["c1"]);
    // Every call has its rows; the shared one names the call whose result it took, and never started.
    expect(rowsOf(rows, "tool/started").map((row) => (row.data as { toolCallId: string }).toolCallId)).toEqual(["c1", "c3", "w", "c4"]);
    expect(
      rowsOf(rows, "tool/finished")
        .map((row) => (row.data as { toolCallId: string }).toolCallId)
        .sort(),
    ).toEqual(["c1", "c2", "c3", "c4", "w"]);
    expect(rowsOf(rows, "llm/tool-result", { toolCallId: "c2" })[0]!.data).toMatchObject({ meta: { sharedWith: "c1" } });
  });

  it("a call that outlives its timeout is aborted through its signal, the model is told it timed out, and the run goes on", async () => {
    let sawAbort = false;
    const hang = defineTool({
      name: "hang",
      description: "never answers on its own",
      input: z.object({}),
      parallel: true,
      timeoutMs: 200,
      execute: (_input, context) =>
        new Promise((resolve) => {
          context.signal.addEventListener("abort", () => {
            sawAbort = true;
            resolve({ output: "stopped" });
          });
        }),
    });
    const log: string[] = [];
    const model = scriptedModel([{ toolCalls: [{ name: "hang", input: {}, id: "h" }, call("nap", "n")] }, { text: "carried on" }]);
    const { result, rows } = await runScripted({ chart: chart(["hang", "nap"]), model, tools: new ToolRegistry([hang, napTool("nap", true, log, 10)]) });
    expect(result.status).toBe("done");
    expect(sawAbort).toBe(true);
    const [timedOut, napped] = toolResults(model.calls[1]!.messages.at(-1)!.content);
    expect(timedOut).toMatchObject({ toolCallId: "h", isError: true });
    expect(timedOut!.output).toContain("timed out after 200 ms");
    expect(napped).toMatchObject({ toolCallId: "call-n", output: "n done" });
    expect(rowsOf(rows, "llm/tool-result", { toolCallId: "h" })[0]!.data).toMatchObject({ isError: true, meta: { timedOut: true, timeoutMs: 200 } });
  });

  it("a tool that declares a timeout of 0 is refused when registered, naming the tool", () => {
    const bad = defineTool({ name: "bad", description: "x", input: z.object({}), timeoutMs: 0, execute: async () => ({ output: "" }) });
    expect(() => new ToolRegistry([bad])).toThrow('tool "bad" timeoutMs: a tool timeout must be a whole number of milliseconds from 1 to 2147483647, got 0');
  });
});
