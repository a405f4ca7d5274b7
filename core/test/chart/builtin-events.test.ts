/**
 * The types of the events Escapement sends a chart on its own hold the fields those events carry
 * at run time: a field added to or dropped from either side fails here.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import { assign, setup } from "xstate";
import { converse, inlineActors, type EndTurnEvent, type LlmErrorEvent } from "../../src/chart/index.js";
import { processed, runScripted } from "./helpers.js";

const endTurnFields = ["invokeId", "ref", "snippet", "text", "turn"] as const;
const errorFields = ["category", "invokeId", "message"] as const;

describe("the events a conversation sends on its own", () => {
  it("carry the fields their types name", async () => {
    expectTypeOf<Exclude<keyof EndTurnEvent, "type">>().toEqualTypeOf<(typeof endTurnFields)[number]>();
    expectTypeOf<(typeof errorFields)[number]>().toExtend<keyof LlmErrorEvent>();

    const machine = setup({
      actors: inlineActors,
      types: { context: {} as { reply?: string; why?: string }, events: {} as EndTurnEvent | LlmErrorEvent },
    }).createMachine({
      id: "builtin",
      context: {},
      initial: "talking",
      states: {
        talking: {
          invoke: converse({ id: "c", message: "say hi", realTools: [] }),
          on: { "llm.idle": { target: "failing", actions: assign({ reply: ({ event }) => event.text }) } },
        },
        failing: {
          invoke: converse({ id: "d", message: "fail", realTools: [] }),
          on: { "error.llm.*": { target: "done", actions: assign({ why: ({ event }) => event.category }) } },
        },
        done: { type: "final" },
      },
    });
    const { result, rows } = await runScripted({ chart: machine, script: [{ text: "hi" }, { error: { category: "auth", message: "no key" } }] });
    expect(result.finalConfig).toEqual(["done"]);
    expect(Object.keys(processed(rows, "llm.idle")[0]!.eventData!).sort()).toEqual([...endTurnFields]);
    expect(Object.keys(processed(rows, "error.llm.auth")[0]!.eventData!).sort()).toEqual([...errorFields]);
  });
});
