import { describe, expect, it } from "vitest";
import { setup } from "xstate";
import { z } from "zod";
import { askHuman, converse, type HumanInputParams, inlineActors } from "../../src/chart/index.js";
import { ScriptedHuman, type PromptAnswer } from "../../src/human/index.js";
import { scriptedModel, type ContentBlock } from "../../src/llm/index.js";
import { processed, rowsOf, runScripted } from "./helpers.js";

/** Asks once; a valid answer goes to `answered` (onDone), a cancel to `cancelled`. */
const promptChart = (params: Omit<HumanInputParams, "id">) =>
  setup({ actors: inlineActors }).createMachine({
    id: "prompt",
    initial: "asking",
    states: {
      asking: {
        invoke: { ...askHuman({ id: "q", ...params }), onDone: "answered" },
        on: { "human.cancelled": "cancelled" },
      },
      answered: { type: "final" },
      cancelled: { type: "final" },
    },
  });

const ask = async (params: Omit<HumanInputParams, "id">, answers: PromptAnswer[]) => {
  const human = new ScriptedHuman(answers);
  const outcome = await runScripted({ chart: promptChart(params), human });
  return { ...outcome, human };
};

describe("askHuman", () => {
  const cases: { kind: HumanInputParams["kind"]; options?: string[]; invalid: unknown; valid: unknown }[] = [
    { kind: "text", invalid: 42, valid: "Ada" },
    { kind: "select", options: ["red", "blue"], invalid: "green", valid: "blue" },
    { kind: "multi-select", options: ["a", "b", "c"], invalid: ["a", "z"], valid: ["a", "c"] },
    { kind: "confirm", invalid: "yes", valid: true },
  ];

  it.each(cases)("$kind: an invalid answer is rejected and asked again; the valid one completes the state", async ({ kind, options, invalid, valid }) => {
    const { result, rows, human } = await ask({ kind, message: "Your answer?", ...(options ? { options } : {}) }, [{ value: invalid }, { value: valid }]);

    expect(result.finalConfig).toEqual(["answered"]);
    expect(human.asked).toHaveLength(2);
    expect(human.rejections).toHaveLength(1);
    expect(human.rejections[0]).toMatch(/^q: /);
    // The prompt carries what a renderer needs: kind, options, and the schema a valid answer satisfies.
    expect(human.asked[0]).toMatchObject({ promptId: "q", invokeId: "q", kind, message: "Your answer?" });
    if (options) expect(human.asked[0]!.options).toEqual(options.map((value) => ({ value, label: value })));
    expect(rowsOf(rows, "human-input/requested")).toHaveLength(1);
    // Only the valid answer is recorded and reaches the chart.
    expect(rowsOf(rows, "human-input/answered").map((row) => row.data)).toEqual([{ promptId: "q", value: valid }]);
    expect(processed(rows, "xstate.done.actor.q")).toEqual([expect.objectContaining({ eventData: expect.objectContaining({ output: valid }) })]);
  });

  it("cancel sends human.cancelled to the chart", async () => {
    const { result, rows, human } = await ask({ kind: "text", message: "Name?" }, [{ cancelled: true }]);
    expect(result.finalConfig).toEqual(["cancelled"]);
    expect(human.asked).toHaveLength(1);
    expect(rowsOf(rows, "human-input/cancelled").map((row) => row.data)).toEqual([{ promptId: "q" }]);
    expect(processed(rows, "human.cancelled")).toEqual([expect.objectContaining({ eventData: { promptId: "q" }, after: ["cancelled"] })]);
    expect(rowsOf(rows, "human-input/answered")).toHaveLength(0);
  });

  it("message and options can come from the chart context", async () => {
    const machine = setup({ actors: inlineActors, types: { context: {} as { who: string; colors: string[] } } }).createMachine({
      id: "prompt-context",
      context: { who: "Ada", colors: ["teal", "plum"] },
      initial: "asking",
      states: {
        asking: {
          invoke: {
            ...askHuman<{ who: string; colors: string[] }>({
              id: "color",
              kind: "select",
              message: ({ context }) => `${context.who}, pick one`,
              options: ({ context }) => context.colors,
            }),
            onDone: "answered",
          },
        },
        answered: { type: "final" },
      },
    });
    const human = new ScriptedHuman([{ value: "plum" }]);
    const { result } = await runScripted({ chart: machine, human });
    expect(result.finalConfig).toEqual(["answered"]);
    expect(human.asked[0]).toMatchObject({
      message: "Ada, pick one",
      options: [
        { value: "teal", label: "teal" },
        { value: "plum", label: "plum" },
      ],
    });
  });
});

describe("the ask_human tool", () => {
  const chart = () =>
    setup({ actors: inlineActors }).createMachine({
      id: "ask-tool",
      initial: "talking",
      states: {
        talking: {
          invoke: converse({
            id: "c",
            message: "choose a color with the human",
            realTools: [],
            askHuman: true,
            allowedEvents: { chosen: { schema: z.object({ color: z.string() }), description: "the chosen color" } },
          }),
          on: { chosen: "done" },
        },
        done: { type: "final" },
      },
    });

  const lastToolResult = (blocks: readonly ContentBlock[]) =>
    blocks.find((block) => block.type === "tool-result") as Extract<ContentBlock, { type: "tool-result" }>;

  it("lets the model ask mid-conversation; the validated answer is the tool result", async () => {
    const model = scriptedModel([
      { toolCalls: [{ name: "ask_human", input: { message: "Which color?", kind: "select", options: ["red", "blue"] } }] },
      { events: [{ name: "chosen", payload: { color: "blue" } }] },
    ]);
    const human = new ScriptedHuman([{ value: "green" }, { value: "blue" }]);
    const { result, rows } = await runScripted({ chart: chart(), model, human });

    expect(result.finalConfig).toEqual(["done"]);
    expect(model.calls[0]!.tools.map((tool) => tool.name)).toContain("ask_human");
    expect(human.asked[0]).toMatchObject({
      invokeId: "c",
      kind: "select",
      message: "Which color?",
      options: [
        { value: "red", label: "red" },
        { value: "blue", label: "blue" },
      ],
    });
    expect(human.rejections).toHaveLength(1);
    expect(lastToolResult(model.calls[1]!.messages.at(-1)!.content)).toMatchObject({ name: "ask_human", output: "blue" });
    expect(rowsOf(rows, "human-input/answered").map((row) => (row.data as { value: unknown }).value)).toEqual(["blue"]);
    // The prompt is on disk before the human is asked, and answered before the next request.
    const requested = rowsOf(rows, "human-input/requested")[0]!.seq;
    const answered = rowsOf(rows, "human-input/answered")[0]!.seq;
    expect(requested).toBeLessThan(answered);
    expect(answered).toBeLessThan(rowsOf(rows, "llm/request", { turn: 2 })[0]!.seq);
  });

  it("a cancelled question comes back to the model as an error result", async () => {
    const model = scriptedModel([
      { toolCalls: [{ name: "ask_human", input: { message: "Which color?" } }] },
      { events: [{ name: "chosen", payload: { color: "red" } }] },
    ]);
    const { result } = await runScripted({ chart: chart(), model, human: new ScriptedHuman([{ cancelled: true }]) });
    expect(result.finalConfig).toEqual(["done"]);
    expect(lastToolResult(model.calls[1]!.messages.at(-1)!.content)).toMatchObject({ isError: true, output: "The human cancelled the question." });
  });

  it("two questions in one turn are two prompts with distinct ids", async () => {
    const model = scriptedModel([
      {
        toolCalls: [
          { name: "ask_human", input: { message: "First name?" } },
          { name: "ask_human", input: { message: "Last name?" } },
        ],
      },
      { events: [{ name: "chosen", payload: { color: "n/a" } }] },
    ]);
    const human = new ScriptedHuman([{ value: "Ada" }, { value: "Lovelace" }]);
    const { result, rows } = await runScripted({ chart: chart(), model, human });
    expect(result.finalConfig).toEqual(["done"]);
    const ids = rowsOf(rows, "human-input/requested").map((row) => (row.data as { promptId: string }).promptId);
    // The first keeps the documented `<invokeId>/ask-<turn>`; later ones in the same turn get a suffix.
    expect(ids).toEqual(["c/ask-1", "c/ask-1-2"]);
    expect(rowsOf(rows, "human-input/answered").map((row) => row.data)).toEqual([
      { promptId: ids[0], value: "Ada" },
      { promptId: ids[1], value: "Lovelace" },
    ]);
    const results = model.calls[1]!.messages.at(-1)!.content.filter((block) => block.type === "tool-result");
    expect(results.map((block) => (block as { output: string }).output)).toEqual(["Ada", "Lovelace"]);
  });

  it("is not offered unless askHuman is set", async () => {
    const machine = setup({ actors: inlineActors }).createMachine({
      id: "no-ask",
      initial: "talking",
      states: { talking: { invoke: converse({ id: "c", message: "hi", realTools: [] }), on: { "llm.idle": "done" } }, done: { type: "final" } },
    });
    const { model } = await runScripted({ chart: machine, script: [{ text: "hello" }] });
    expect(model!.calls[0]!.tools.map((tool) => tool.name)).not.toContain("ask_human");
  });
});
