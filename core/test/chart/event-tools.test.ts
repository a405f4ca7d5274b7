import { describe, expect, it } from "vitest";
import { assign, setup } from "xstate";
import { z } from "zod";
import { converse, inlineActors } from "../../src/chart/index.js";
import { scriptedModel, type ContentBlock, type ModelRequest, type Script } from "../../src/llm/index.js";
import { createDefaultRegistry, defineTool } from "../../src/tools/index.js";
import { processed, rowsOf, runScripted } from "./helpers.js";

const countSchema = z.object({ n: z.number().int() });

/** `report.count` (tool `report_count`) leaves the state; `ping` is handled in place; invalid payloads retry. */
const reportChart = () =>
  setup({ actors: inlineActors }).createMachine({
    id: "report",
    initial: "talking",
    states: {
      talking: {
        invoke: converse({
          id: "c",
          message: "count things",
          realTools: [],
          allowedEvents: {
            "report.count": { schema: countSchema, description: "report the count" },
            ping: { schema: countSchema, description: "progress note" },
          },
        }),
        on: { "report.count": "reported", ping: {}, "error.llm.tool-validation": "invalid" },
      },
      reported: { type: "final" },
      invalid: { type: "final" },
    },
  });

const toolResultsOf = (request: ModelRequest) =>
  request.messages.at(-1)!.content.filter((block): block is Extract<ContentBlock, { type: "tool-result" }> => block.type === "tool-result");

const run = (script: Script) => {
  const model = scriptedModel(script);
  return runScripted({ chart: reportChart(), model }).then((outcome) => ({ ...outcome, model }));
};

describe("event tools", () => {
  it("are offered under provider-safe names with the payload's JSON Schema", async () => {
    const { model } = await run([{ events: [{ name: "report_count", payload: { n: 1 } }] }]);
    const tools = model.calls[0]!.tools;
    expect(tools.map((tool) => tool.name)).toEqual(["report_count", "ping"]);
    expect(tools[0]!.description).toContain('"report.count"');
    expect(tools[0]!.inputSchema).toMatchObject({ type: "object", properties: { n: { type: "integer" } }, required: ["n"] });
  });

  it("sit beside the real tools, which are offered exactly as the registry describes them, on every turn", async () => {
    const registry = createDefaultRegistry().register(
      defineTool({ name: "lookup", description: "find a word", input: z.object({ word: z.string().min(1) }), execute: async () => ({ output: "found" }) }),
    );
    const machine = setup({ actors: inlineActors }).createMachine({
      id: "with-tools",
      initial: "talking",
      states: {
        talking: {
          invoke: converse({ id: "c", message: "go", allowedEvents: { "report.count": { schema: countSchema, description: "report" } } }),
          on: { "report.count": "done" },
        },
        done: { type: "final" },
      },
    });
    const model = scriptedModel([{ toolCalls: [{ name: "lookup", input: { word: "x" } }] }, { events: [{ name: "report_count", payload: { n: 1 } }] }]);
    await runScripted({ chart: machine, model, tools: registry });
    const expected = registry.toSpecs();
    expect(expected.map((spec) => spec.name)).toContain("lookup");
    for (const call of model.calls) {
      expect(call.tools.slice(0, expected.length)).toEqual(expected);
      expect(call.tools.slice(expected.length).map((tool) => tool.name)).toEqual(["report_count"]);
    }
  });

  it("a valid call becomes the chart event, with the payload and the conversation's id", async () => {
    const { result, rows } = await run([{ events: [{ name: "report_count", payload: { n: 7 } }] }]);
    expect(result.finalConfig).toEqual(["reported"]);
    expect(processed(rows, "report.count")).toEqual([
      expect.objectContaining({ eventData: { n: 7, invokeId: "c" }, before: ["talking"], after: ["reported"] }),
    ]);
  });

  it("a payload that arrives as a JSON string is parsed", async () => {
    const { result, rows } = await run([{ events: [{ name: "report_count", payload: '{"n": 3}' }] }]);
    expect(result.finalConfig).toEqual(["reported"]);
    expect(processed(rows, "report.count")[0]!.eventData).toEqual({ n: 3, invokeId: "c" });
    expect(rowsOf(rows, "llm/tool-validation-failed")).toHaveLength(0);
  });

  it("a string payload that is not JSON is an invalid payload", async () => {
    const { rows, model } = await run([{ events: [{ name: "report_count", payload: "n is 3" }] }, { events: [{ name: "report_count", payload: { n: 3 } }] }]);
    expect(rowsOf(rows, "llm/tool-validation-failed")[0]!.data).toMatchObject({ issues: "payload is a string that is not valid JSON" });
    expect(toolResultsOf(model.calls[1]!)[0]!.isError).toBe(true);
  });

  it("an invalid payload gets one corrective retry: the model sees the issues as an error tool result", async () => {
    const { result, rows, model } = await run([
      { events: [{ name: "report_count", payload: { n: "three" }, id: "bad-1" }] },
      { events: [{ name: "report_count", payload: { n: 3 } }] },
    ]);
    expect(result.finalConfig).toEqual(["reported"]);
    expect(model.calls).toHaveLength(2);
    const [retry] = toolResultsOf(model.calls[1]!);
    expect(retry).toMatchObject({ toolCallId: "bad-1", name: "report_count", isError: true });
    expect(retry!.output).toContain('invalid payload for event "report.count"');
    expect(retry!.output).toMatch(/n: .*number/);
    expect(rowsOf(rows, "llm/tool-validation-failed")).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ invokeId: "c", turn: 1, toolCallId: "bad-1", final: false }) }),
    ]);
    // The invalid call never reached the chart.
    expect(processed(rows, "report.count")).toHaveLength(1);
    expect(processed(rows, "report.count")[0]!.eventData).toEqual({ n: 3, invokeId: "c" });
    expect(processed(rows, "error.llm.tool-validation")).toHaveLength(0);
  });

  it("a second consecutive invalid payload sends error.llm.tool-validation to the chart", async () => {
    const { result, rows, model } = await run([
      { events: [{ name: "report_count", payload: { n: "three" } }] },
      { events: [{ name: "report_count", payload: {} }] },
      { text: "never asked" },
    ]);
    expect(result.finalConfig).toEqual(["invalid"]);
    expect(model.calls).toHaveLength(2);
    expect(rowsOf(rows, "llm/tool-validation-failed").map((row) => (row.data as { final: boolean }).final)).toEqual([false, true]);
    expect(processed(rows, "error.llm.tool-validation")).toEqual([
      expect.objectContaining({ eventData: expect.objectContaining({ invokeId: "c", turn: 2, category: "tool-validation" }) }),
    ]);
    expect(processed(rows, "report.count")).toHaveLength(0);
  });

  it("strikes are consecutive: a valid call in between resets them", async () => {
    const { result, rows, model } = await run([
      { events: [{ name: "ping", payload: { n: "x" } }] },
      { events: [{ name: "ping", payload: { n: 1 } }] },
      { events: [{ name: "ping", payload: { n: "y" } }] },
      { events: [{ name: "report_count", payload: { n: 2 } }] },
    ]);
    expect(result.finalConfig).toEqual(["reported"]);
    expect(model.calls).toHaveLength(4);
    expect(rowsOf(rows, "llm/tool-validation-failed").map((row) => (row.data as { final: boolean }).final)).toEqual([false, false]);
    expect(processed(rows, "error.llm.tool-validation")).toHaveLength(0);
    expect(processed(rows, "ping")).toHaveLength(1);
  });
});

describe("a turn ends exactly once", () => {
  /** Stays in `talking` after every event (so a duplicate could not hide behind a state exit), ends on a timer. */
  const stayingChart = () =>
    setup({ actors: inlineActors, types: { context: {} as { seen: string[] } } }).createMachine({
      id: "once",
      context: { seen: [] },
      initial: "talking",
      states: {
        talking: {
          invoke: converse({
            id: "c",
            message: "go",
            realTools: [],
            allowedEvents: { note: { schema: z.object({ text: z.string() }), description: "a note" } },
          }),
          on: {
            "llm.idle": { actions: assign({ seen: ({ context, event }) => [...context.seen, `idle:${String(event.turn)}`] }) },
            note: { actions: assign({ seen: ({ context, event }) => [...context.seen, `note:${String(event.text)}`] }) },
          },
          after: { 300: "done" },
        },
        done: { type: "final" },
      },
    });

  it("end_turn: exactly one llm.idle, carrying the turn's text and response ref", async () => {
    const model = scriptedModel([{ deltas: [{ text: "all " }, { text: "done" }] }]);
    const { rows } = await runScripted({ chart: stayingChart(), model });
    const idle = processed(rows, "llm.idle");
    expect(idle).toHaveLength(1);
    expect(idle[0]!.eventData).toMatchObject({ invokeId: "c", turn: 1, text: "all done" });
    expect(String(idle[0]!.eventData!.ref)).toMatch(/^io\.jsonl#offset=\d+&length=\d+$/);
    expect(idle[0]!.eventData!.ref).toBe((rowsOf(rows, "llm/response")[0]!.data as { ref: string }).ref);
    expect(model.calls).toHaveLength(1);
  });

  it("a reply with an event tool: that event, no llm.idle for that turn", async () => {
    const model = scriptedModel([{ text: "noting", events: [{ name: "note", payload: { text: "a" } }] }, { text: "finished" }]);
    const { rows } = await runScripted({ chart: stayingChart(), model });
    const chartEvents = processed(rows).filter((event) => !event.event.startsWith("xstate."));
    expect(chartEvents.map((event) => `${event.event}:${String(event.eventData?.turn ?? event.eventData?.text)}`)).toEqual(["note:a", "llm.idle:2"]);
    // The event tool's result goes back to the model: the conversation continues with turn 2.
    expect(model.calls).toHaveLength(2);
    expect(toolResultsOf(model.calls[1]!)).toEqual([expect.objectContaining({ name: "note", output: "ok" })]);
  });

  it("a custom onEndTurnEvent replaces llm.idle", async () => {
    const machine = setup({ actors: inlineActors }).createMachine({
      id: "custom-idle",
      initial: "talking",
      states: {
        talking: { invoke: converse({ id: "c", message: "go", realTools: [], onEndTurnEvent: "writer.idle" }), on: { "writer.idle": "done" } },
        done: { type: "final" },
      },
    });
    const { result, rows } = await runScripted({ chart: machine, script: [{ text: "hi" }] });
    expect(result.finalConfig).toEqual(["done"]);
    expect(processed(rows, "writer.idle")).toHaveLength(1);
    expect(processed(rows, "llm.idle")).toHaveLength(0);
  });
});
