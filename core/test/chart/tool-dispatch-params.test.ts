/** A conversation's and a run's tool dispatch settings: `maxParallelTools`, `toolTimeoutMs`, `toolTimeouts`, `toolLoopThreshold`. */
import { describe, expect, it } from "vitest";
import { setup } from "xstate";
import { z } from "zod";
import { converse, inlineActors, type ConversationParams } from "../../src/chart/index.js";
import { scriptedModel, type ContentBlock } from "../../src/llm/index.js";
import { defineTool, ToolRegistry } from "../../src/tools/index.js";
import { rowsOf, runScripted } from "./helpers.js";

const chart = (params: Partial<ConversationParams<unknown>>) =>
  setup({ actors: inlineActors }).createMachine({
    id: "dispatch-params",
    initial: "talking",
    states: {
      talking: { invoke: converse({ id: "c", message: "go", realTools: ["wait"], ...params }), on: { "llm.idle": "done", "llm.tool-loop": "looped" } },
      looped: { type: "final" },
      done: { type: "final" },
    },
  });

/** Waits `ms` (or until aborted), counting how many run at once. */
const waitTool = () => {
  const seen = { running: 0, most: 0 };
  const tool = defineTool({
    name: "wait",
    description: "waits",
    input: z.object({ ms: z.number(), tag: z.string() }),
    parallel: true,
    async execute({ ms, tag }, context) {
      seen.most = Math.max(seen.most, ++seen.running);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        context.signal.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve();
        });
      });
      seen.running--;
      return { output: tag };
    },
  });
  return { tool, seen };
};

const toolResults = (blocks: readonly ContentBlock[]) =>
  blocks.filter((block): block is Extract<ContentBlock, { type: "tool-result" }> => block.type === "tool-result");

const calls = (count: number, ms: number) => Array.from({ length: count }, (_, i) => ({ name: "wait", input: { ms, tag: `t${i}` }, id: `w${i}` }));

describe("tool dispatch settings", () => {
  it("a conversation's maxParallelTools over the run's, over the default", async () => {
    for (const [params, run, expected] of [
      [{}, {}, 4],
      [{}, { maxParallelTools: 2 }, 2],
      [{ maxParallelTools: 1 }, { maxParallelTools: 3 }, 1],
    ] as const) {
      const { tool, seen } = waitTool();
      const model = scriptedModel([{ toolCalls: calls(6, 20) }, { text: "done" }]);
      const { result } = await runScripted({ chart: chart(params), model, tools: new ToolRegistry([tool]), ...run });
      expect(result.status).toBe("done");
      expect(seen.most).toBe(expected);
    }
  });

  it("toolTimeoutMs and toolTimeouts[name] abort a call at their time; the model is told", async () => {
    for (const [params, run] of [
      [{ toolTimeoutMs: 150 }, {}],
      [{ toolTimeouts: { wait: 150 } }, { toolTimeoutMs: 60_000 }],
      [{}, { toolTimeoutMs: 150 }],
    ] as const) {
      const { tool } = waitTool();
      const model = scriptedModel([{ toolCalls: [{ name: "wait", input: { ms: 60_000, tag: "long" }, id: "long" }] }, { text: "done" }]);
      const { result, rows } = await runScripted({ chart: chart(params), model, tools: new ToolRegistry([tool]), ...run });
      expect(result.status).toBe("done");
      expect(toolResults(model.calls[1]!.messages.at(-1)!.content)[0]!.output).toContain("timed out after 150 ms");
      expect(rowsOf(rows, "llm/tool-result")[0]!.data).toMatchObject({ isError: true, meta: { timedOut: true, timeoutMs: 150 } });
    }
  });

  it("toolLoopThreshold: 2 sends llm.tool-loop at the second identical call; false turns it off", async () => {
    const same = { toolCalls: [{ name: "wait", input: { ms: 1, tag: "same" } }] };
    const looped = await runScripted({
      chart: chart({ toolLoopThreshold: 2 }),
      script: [same, same, { text: "done" }],
      tools: new ToolRegistry([waitTool().tool]),
    });
    expect(looped.result.finalConfig).toContain("looped");
    expect(rowsOf(looped.rows, "llm/tool-loop")[0]!.data).toMatchObject({ count: 2, threshold: 2 });
    const off = await runScripted({
      chart: chart({ toolLoopThreshold: false }),
      script: [same, same, same, same, same, same, { text: "done" }],
      tools: new ToolRegistry([waitTool().tool]),
    });
    expect(off.result.finalConfig).toContain("done");
    expect(rowsOf(off.rows, "llm/tool-loop")).toEqual([]);
  });

  it("a conversation's tool timeout of 0 ends the run before any model call, naming the conversation and the setting", async () => {
    const model = scriptedModel([{ text: "never" }]);
    const { result } = await runScripted({ chart: chart({ toolTimeoutMs: 0 }), model, tools: new ToolRegistry([waitTool().tool]) });
    expect(result.status).toBe("error");
    expect(result.error).toEqual({
      category: "invalid-tool-dispatch",
      message: 'conversation "c" in state talking: param toolTimeoutMs: a tool timeout must be a whole number of milliseconds from 1 to 2147483647, got 0',
    });
    expect(model.calls).toEqual([]);
  });

  it("a run option tool timeout of 0 is refused before the session exists", async () => {
    await expect(runScripted({ chart: chart({}), script: [], toolTimeoutMs: 0 })).rejects.toThrow(
      "run option toolTimeoutMs: a tool timeout must be a whole number of milliseconds from 1 to 2147483647, got 0",
    );
  });
});
