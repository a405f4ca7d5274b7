/** OpenTelemetry spans of a run (GenAI semantic conventions), recorded with the SDK's in-memory exporter. */
import { join } from "node:path";
import { SpanStatusCode, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from "@opentelemetry/sdk-trace";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { setup } from "xstate";
import { defineChart, inlineActors, spawnChildren } from "../../src/index.js";
import { run, validateOptions } from "../../src/index.js";
import { scriptedModel } from "../../src/llm/index.js";
import { defineTool } from "../../src/tools/index.js";
import { talkChart, tempDir } from "./helpers.js";

const recorder = () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  // The SDK's simple processor exports on a promise chain: flushed before reading.
  return { exporter, provider, spans: async (): Promise<ReadableSpan[]> => (await provider.forceFlush(), exporter.getFinishedSpans()) };
};

const weather = defineTool({
  name: "weather",
  description: "the weather in a city",
  input: z.object({ city: z.string() }),
  execute: async ({ city }) => (city === "Atlantis" ? { output: "no such city", isError: true } : { output: `sunny in ${city}` }),
});

const named = (spans: readonly ReadableSpan[], name: string) => spans.filter((span) => span.name === name);
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

afterEach(() => trace.disable());

describe("run({ tracerProvider }): OpenTelemetry spans", () => {
  it("a run span, a chat span per turn and an execute_tool span per tool call, with the GenAI attributes, the session and the state", async () => {
    const { provider, spans } = recorder();
    const model = scriptedModel([
      { toolCalls: [{ name: "weather", input: { city: "Paris" } }], usage: { input: 120, output: 15 } },
      { text: "Sunny.", events: [{ name: "finish", payload: {} }], usage: { input: 160, output: 4, cacheRead: 100 } },
    ]);
    const result = await run({
      chart: talkChart({ realTools: ["weather"] }),
      model,
      tools: [weather],
      sessionDir: join(tempDir(), "s"),
      tracerProvider: provider,
    });
    expect(result.status).toBe("done");

    const all = await spans();
    const [root] = named(all, "invoke_agent talk");
    expect(root).toBeDefined();
    expect(root!.attributes).toMatchObject({
      "gen_ai.operation.name": "invoke_agent",
      "gen_ai.agent.name": "talk",
      "gen_ai.agent.id": result.runId,
      "gen_ai.conversation.id": result.sessionId,
      "escapement.session.id": result.sessionId,
      "escapement.run.status": "done",
      "escapement.state": ["done"],
    });
    expect(root!.status.code).not.toBe(SpanStatusCode.ERROR);

    const chats = named(all, "chat default");
    expect(chats.map((span) => span.attributes["escapement.turn"])).toEqual([1, 2]);
    expect(chats[0]!.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "default",
      "gen_ai.response.model": "scripted",
      "gen_ai.response.finish_reasons": ["tool_use"],
      "gen_ai.usage.input_tokens": 120,
      "gen_ai.usage.output_tokens": 15,
      "gen_ai.conversation.id": result.sessionId,
      "escapement.state": "talking",
      "escapement.invoke.id": "talker",
    });
    expect(chats[1]!.attributes).toMatchObject({ "gen_ai.usage.input_tokens": 160, "gen_ai.usage.cache_read.input_tokens": 100 });

    const [tool] = named(all, "execute_tool weather");
    expect(tool!.attributes).toMatchObject({
      "gen_ai.operation.name": "execute_tool",
      "gen_ai.tool.name": "weather",
      "gen_ai.tool.type": "function",
      "gen_ai.conversation.id": result.sessionId,
      "escapement.state": "talking",
      "escapement.turn": 1,
    });
    expect(typeof tool!.attributes["gen_ai.tool.call.id"]).toBe("string");
    expect(tool!.status.code).not.toBe(SpanStatusCode.ERROR);

    // One trace: the turns and the tool under the run, the tool after its turn's model call.
    for (const span of [...chats, tool!]) {
      expect(span.spanContext().traceId).toBe(root!.spanContext().traceId);
      expect(parentOf(span)).toBe(root!.spanContext().spanId);
    }
    expect(tool!.startTime >= chats[0]!.endTime || tool!.startTime[0] >= chats[0]!.endTime[0]).toBe(true);
    // Event tools (finish) move the chart; they are not tool executions.
    expect(all.filter((span) => span.attributes["gen_ai.operation.name"] === "execute_tool")).toHaveLength(1);
  });

  it("stamps spans with the run's clock", async () => {
    const { provider, spans } = recorder();
    const start = 1_600_000_000_000;
    let now = start;
    const clock = {
      now: () => (now += 1_000),
      setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
      clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout),
    };
    const model = scriptedModel([
      { toolCalls: [{ name: "weather", input: { city: "Paris" } }] },
      { text: "Sunny.", events: [{ name: "finish", payload: {} }] },
    ]);
    const result = await run({
      chart: talkChart({ realTools: ["weather"] }),
      model,
      tools: [weather],
      sessionDir: join(tempDir(), "s"),
      tracerProvider: provider,
      clock,
    });
    expect(result.status).toBe("done");
    const all = await spans();
    expect(all.length).toBeGreaterThanOrEqual(4);
    const ms = ([seconds, nanos]: readonly [number, number]) => seconds * 1_000 + nanos / 1e6;
    for (const span of all) {
      // Every time is one the clock gave (whole seconds past the start), never the machine's.
      for (const time of [ms(span.startTime), ms(span.endTime)]) {
        expect(time).toBeGreaterThan(start);
        expect(time).toBeLessThanOrEqual(now);
        expect(time % 1_000).toBe(0);
      }
      expect(ms(span.endTime)).toBeGreaterThanOrEqual(ms(span.startTime));
    }
  });

  it("marks a tool result the model is told is an error, a failed model call and a failed run", async () => {
    const { provider, spans } = recorder();
    const model = scriptedModel([
      { toolCalls: [{ name: "weather", input: { city: "Atlantis" } }] },
      { error: { category: "auth", message: "the key was revoked" } },
    ]);
    // The chart does not handle the failure: the run ends wedged (soon, here).
    const result = await run({
      chart: talkChart({ realTools: ["weather"] }),
      model,
      tools: [weather],
      sessionDir: join(tempDir(), "s"),
      tracerProvider: provider,
      wedge: { intervalMs: 20, cycles: 3 },
    });
    expect(result).toMatchObject({ status: "error", error: { category: "wedged" } });

    const all = await spans();
    const [tool] = named(all, "execute_tool weather");
    expect(tool!.status.code).toBe(SpanStatusCode.ERROR);
    expect(tool!.attributes["error.type"]).toBe("tool_error");
    const failed = named(all, "chat default").find((span) => span.attributes["escapement.turn"] === 2);
    expect(failed!.status).toMatchObject({ code: SpanStatusCode.ERROR, message: expect.stringContaining("the key was revoked") });
    expect(failed!.attributes["error.type"]).toBe("auth");
    expect(failed!.attributes["gen_ai.usage.input_tokens"]).toBeUndefined();
    const [root] = named(all, "invoke_agent talk");
    expect(root!.status.code).toBe(SpanStatusCode.ERROR);
    expect(root!.attributes).toMatchObject({ "escapement.run.status": "error", "error.type": "wedged", "escapement.state": ["talking"] });
  });

  it("records on the globally registered provider, and nothing once none is registered", async () => {
    const { provider, spans } = recorder();
    const reply = () => scriptedModel([{ text: "Hi.", events: [{ name: "finish", payload: {} }] }]);
    trace.setGlobalTracerProvider(provider);
    await run({ chart: talkChart(), model: reply(), sessionDir: join(tempDir(), "a") });
    expect((await spans()).map((span) => span.name)).toEqual(["chat default", "invoke_agent talk"]);

    trace.disable();
    const result = await run({ chart: talkChart(), model: reply(), sessionDir: join(tempDir(), "b") });
    expect(result.status).toBe("done");
    expect(await spans()).toHaveLength(2);
  });

  it("a fleet's child runs are children of the parent run's span, each turn under its own child run", async () => {
    const { provider, spans } = recorder();
    const parent = defineChart({
      id: "parent",
      machine: setup({ actors: inlineActors }).createMachine({
        id: "parent",
        initial: "fanning",
        states: {
          fanning: { invoke: { ...spawnChildren({ id: "batch", chart: talkChart({ id: "child" }), inputs: [{}, {}], concurrency: 1 }), onDone: "done" } },
          done: { type: "final" },
        },
      }),
    });
    const finish = { text: "ok", events: [{ name: "finish", payload: {} }] };
    const result = await run({ chart: parent, model: scriptedModel([finish, finish]), sessionDir: join(tempDir(), "s"), tracerProvider: provider });
    expect(result.status).toBe("done");

    const all = await spans();
    const [root] = named(all, "invoke_agent parent");
    const children = named(all, "invoke_agent child");
    expect(children).toHaveLength(2);
    for (const child of children) {
      expect(parentOf(child)).toBe(root!.spanContext().spanId);
      expect(child.attributes["escapement.session.parent_id"]).toBe(result.sessionId);
      expect(child.attributes["gen_ai.conversation.id"]).not.toBe(result.sessionId);
      const turns = named(all, "chat default").filter((span) => parentOf(span) === child.spanContext().spanId);
      expect(turns).toHaveLength(1);
      expect(turns[0]!.attributes["gen_ai.conversation.id"]).toBe(child.attributes["gen_ai.conversation.id"]);
    }
  });

  it("refuses a tracerProvider that is not one", () => {
    const result = validateOptions({ chart: talkChart(), model: scriptedModel([]), tracerProvider: {} });
    expect(result).toEqual({ ok: false, issues: [{ path: "tracerProvider", message: "expected an OpenTelemetry TracerProvider { getTracer }" }] });
  });
});
