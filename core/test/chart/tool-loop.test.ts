/** The same tool call repeated in one conversation: an `llm/tool-loop` row and an `llm.tool-loop` event the chart handles. */
import { describe, expect, it } from "vitest";
import { setup } from "xstate";
import { z } from "zod";
import { converse, inlineActors } from "../../src/chart/index.js";
import { toolLoopsOf } from "../../src/chart/tool-loop.js";
import { scriptedModel, type ModelMessage } from "../../src/llm/index.js";
import { defineTool, ToolRegistry } from "../../src/tools/index.js";
import { processed, rowsOf, runScripted } from "./helpers.js";

const look = defineTool({
  name: "look",
  description: "looks",
  input: z.object({ at: z.string() }),
  parallel: true,
  execute: async ({ at }) => ({ output: `saw ${at}` }),
});

const chart = setup({ actors: inlineActors }).createMachine({
  id: "loops",
  initial: "talking",
  states: {
    talking: {
      invoke: converse({ id: "c", message: "look around", realTools: ["look"] }),
      on: { "llm.tool-loop": "stuck", "llm.idle": "done" },
    },
    stuck: { type: "final" },
    done: { type: "final" },
  },
});

describe("tool loops", () => {
  it("the fifth identical call in a conversation writes llm/tool-loop and sends llm.tool-loop, which the chart handles", async () => {
    const same = { toolCalls: [{ name: "look", input: { at: "door" } }] };
    const model = scriptedModel([same, { toolCalls: [{ name: "look", input: { at: "window" } }] }, same, same, same, same, { text: "never reached" }]);
    const { result, rows } = await runScripted({ chart, model, tools: new ToolRegistry([look]) });
    expect(result.status).toBe("done");
    expect(result.finalConfig).toContain("stuck");
    const loops = rowsOf(rows, "llm/tool-loop");
    expect(loops).toHaveLength(1);
    expect(loops[0]!.data).toMatchObject({ invokeId: "c", turn: 6, name: "look", count: 5, threshold: 5 });
    const [event] = processed(rows, "llm.tool-loop");
    expect(event).toBeDefined();
    // Six model calls: the looping call still ran and the chart left the state on the event.
    expect(model.calls).toHaveLength(6);
  });

  it("counts calls by tool and canonical arguments, across the history and within a step, again at every multiple", () => {
    const assistantCall = (id: string, input: unknown): ModelMessage => ({ role: "assistant", content: [{ type: "tool-call", id, name: "look", input }] });
    const history = [assistantCall("1", { a: 1, b: 2 }), assistantCall("2", { b: 2, a: 1 }), assistantCall("3", { a: 2 })];
    const calls = [1, 2, 3, 4].map((n) => ({ type: "tool-call" as const, id: `n${n}`, name: "look", input: { a: 1, b: 2 } }));
    expect(toolLoopsOf(history, calls, 3)).toEqual([
      { toolCallId: "n1", name: "look", count: 3 },
      { toolCallId: "n4", name: "look", count: 6 },
    ]);
    expect(toolLoopsOf(history, [{ type: "tool-call", id: "x", name: "other", input: { a: 1, b: 2 } }], 2)).toEqual([]);
  });
});
