/**
 * A run served as an AG-UI event stream, read by `@ag-ui/client`'s HttpAgent (a real client, over
 * real HTTP on 127.0.0.1): what it receives passes AG-UI's own schemas and its client's lifecycle
 * checks, and a client that goes away mid-stream leaves the run alone.
 */
import { request } from "node:http";
import { HttpAgent } from "@ag-ui/client";
import type { BaseEvent } from "@ag-ui/core";
import { EventSchemas } from "@ag-ui/core/schemas";
import { assign, setup } from "xstate";
import { z } from "zod";
import { afterEach, describe, expect, it } from "vitest";
import { createAgUiMapper, defineChart, run, serveAgUi, type AgUiServer, type PublicEvent } from "../../src/index.js";
import { converse, inlineActors } from "../../src/chart/index.js";
import { contextPatch } from "../../src/lib/ag-ui-events.js";
import { scriptedModel } from "../../src/llm/index.js";
import { defineTool } from "../../src/tools/index.js";
import { talkChart, tempDir, until } from "./helpers.js";

const servers: AgUiServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

const weather = (gate: Promise<void> = Promise.resolve()) =>
  defineTool({
    name: "weather",
    description: "the weather in a city",
    input: z.object({ city: z.string() }),
    execute: async ({ city }) => {
      await gate;
      return { output: `sunny in ${city}` };
    },
  });

/** Talks, calls weather for Paris, then talks again and finishes. */
const weatherModel = () =>
  scriptedModel([
    { deltas: [{ text: "Let me " }, { text: "look." }], toolCalls: [{ name: "weather", input: { city: "Paris" } }] },
    { deltas: [{ text: "It is sunny." }], events: [{ name: "finish", payload: {} }] },
  ]);

/** Everything one HttpAgent run receives, and the agent (its messages and state after). */
async function readWithHttpAgent(url: string): Promise<{ events: BaseEvent[]; agent: HttpAgent; error?: Error }> {
  const agent = new HttpAgent({ url });
  const events: BaseEvent[] = [];
  try {
    await agent.runAgent({}, { onEvent: ({ event }) => void events.push(event) });
    return { events, agent };
  } catch (error) {
    return { events, agent, error: error as Error };
  }
}

describe("serveAgUi", () => {
  it("gives an HttpAgent the run: lifecycle, a text message per turn, tool calls with their input and output, steps and state", async () => {
    const handle = run({ chart: talkChart({ realTools: ["weather"] }), model: weatherModel(), tools: [weather()], sessionDir: tempDir() });
    const server = await serveAgUi(handle.events(), { port: 0 });
    servers.push(server);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const outcome = await handle;
    // Connected after the run ended: the stream is the whole run all the same.
    const { events, agent, error } = await readWithHttpAgent(server.url);
    expect(error).toBeUndefined();
    for (const event of events) expect(EventSchemas.safeParse(event).success, JSON.stringify(event)).toBe(true);
    const types = events.map((event) => event.type);
    expect(types[0]).toBe("RUN_STARTED");
    expect(types.at(-1)).toBe("RUN_FINISHED");
    expect(events[0]).toMatchObject({ threadId: outcome.sessionId, runId: outcome.runId });
    expect(events.at(-1)).toMatchObject({ outcome: { type: "success" }, result: { finalConfig: ["done"] } });
    // One text message per turn, closed at the turn's end.
    const text = events.filter((event) => event.type.startsWith("TEXT_MESSAGE"));
    const shape = text.map((event) => event.type.replace("TEXT_MESSAGE_", "")).join(" ");
    expect(shape).toMatch(/^START( CONTENT)+ END START( CONTENT)+ END$/);
    // The real tool call, its whole input (read from the session's blobs) and its output.
    const call = events.find((event) => event.type === "TOOL_CALL_START" && (event as unknown as { toolCallName: string }).toolCallName === "weather");
    expect(call).toBeDefined();
    const { toolCallId } = call as unknown as { toolCallId: string };
    const args = events.find((event) => event.type === "TOOL_CALL_ARGS" && (event as unknown as { toolCallId: string }).toolCallId === toolCallId);
    expect(JSON.parse((args as unknown as { delta: string }).delta)).toEqual({ city: "Paris" });
    expect(events).toContainEqual(expect.objectContaining({ type: "TOOL_CALL_END", toolCallId }));
    expect(events).toContainEqual(expect.objectContaining({ type: "TOOL_CALL_RESULT", toolCallId, content: "sunny in Paris", role: "tool" }));
    // The event tool that ends the run is a tool call too.
    expect(events).toContainEqual(expect.objectContaining({ type: "TOOL_CALL_START", toolCallName: "finish" }));
    // A step per state: talking, then done; the state is the chart's active states.
    const steps = events
      .filter((event) => event.type.startsWith("STEP_"))
      .map((event) => `${event.type} ${(event as unknown as { stepName: string }).stepName}`);
    expect(steps).toEqual(["STEP_STARTED talking", "STEP_FINISHED talking", "STEP_STARTED done", "STEP_FINISHED done"]);
    expect(events).toContainEqual(expect.objectContaining({ type: "STATE_SNAPSHOT", snapshot: { chartId: "talk", config: ["talking"] } }));
    // A chart without context has an empty one.
    expect(agent.state).toEqual({ chartId: "talk", config: ["done"], context: {} });
    // The client built the conversation from the stream.
    const assistantText = agent.messages.filter((message) => message.role === "assistant").map((message) => message.content);
    expect(assistantText).toContain("Let me look.");
    expect(agent.messages).toContainEqual(expect.objectContaining({ role: "tool", toolCallId, content: "sunny in Paris" }));
  });

  it("carries the chart's context in the state: deltas key by key as it changes, the run's keys redacted", async () => {
    const key = "sk-ant-context-0123456789abcdef";
    const machine = setup({
      types: { context: {} as { note: string; notes: number; token: string }, input: {} as { token: string } },
      actors: inlineActors,
    }).createMachine({
      id: "noted",
      initial: "talking",
      context: ({ input }) => ({ note: "", notes: 0, token: input.token }),
      states: {
        talking: {
          invoke: converse({
            id: "talker",
            message: "Note something, then finish.",
            model: "default",
            allowedEvents: {
              note: { schema: z.object({ text: z.string() }), description: "keep a note" },
              finish: { schema: z.object({}), description: "end the run" },
            },
          }),
          on: {
            note: { actions: assign({ note: ({ event }) => event.text, notes: ({ context }) => context.notes + 1 }) },
            finish: "done",
          },
        },
        done: { type: "final" },
      },
    });
    const model = scriptedModel([
      { events: [{ name: "note", payload: { text: "first" } }] },
      { events: [{ name: "note", payload: { text: "second" } }] },
      { events: [{ name: "finish", payload: {} }] },
    ]);
    const handle = run({ chart: defineChart({ id: "noted", machine }), model, sessionDir: tempDir(), input: { token: key }, credentials: { anthropic: key } });
    const seen: PublicEvent[] = [];
    const stream = handle.events();
    const server = await serveAgUi(
      (async function* () {
        for await (const event of stream) {
          seen.push(event);
          yield event;
        }
      })(),
      { port: 0 },
    );
    servers.push(server);
    expect((await handle).status).toBe("done");
    const { events, agent, error } = await readWithHttpAgent(server.url);
    expect(error).toBeUndefined();
    for (const event of events) expect(EventSchemas.safeParse(event).success, JSON.stringify(event)).toBe(true);
    // The host's stream: the context after each change, never the key.
    const contexts = seen.filter((event) => event.type === "chart-context").map((event) => (event as { context: unknown }).context);
    expect(contexts[0]).toEqual({ note: "", notes: 0, token: "[redacted]" });
    expect(contexts.at(-1)).toEqual({ note: "second", notes: 2, token: "[redacted]" });
    expect(JSON.stringify(seen)).not.toContain(key);
    // The client's: a delta per change, of the keys that changed.
    const deltas = events.filter((event) => event.type === "STATE_DELTA").map((event) => (event as unknown as { delta: unknown[] }).delta);
    expect(deltas).toContainEqual([{ op: "add", path: "/context", value: { note: "", notes: 0, token: "[redacted]" } }]);
    expect(deltas).toContainEqual([
      { op: "replace", path: "/context/note", value: "second" },
      { op: "replace", path: "/context/notes", value: 2 },
    ]);
    expect(agent.state).toEqual({ chartId: "noted", config: ["done"], context: { note: "second", notes: 2, token: "[redacted]" } });
  });

  it("a client that disconnects mid-stream leaves the run unharmed; the next client gets the whole run", async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const handle = run({ chart: talkChart({ realTools: ["weather"] }), model: weatherModel(), tools: [weather(gate)], sessionDir: tempDir() });
    const server = await serveAgUi(handle.events(), { port: 0 });
    servers.push(server);
    // A raw client reads until the tool call, with the tool still running, and goes away.
    await new Promise<void>((resolve, reject) => {
      const req = request(server.url, { method: "POST", headers: { "Content-Type": "application/json", Accept: "text/event-stream" } }, (response) => {
        let seen = "";
        response.on("data", (chunk: Buffer) => {
          seen += chunk.toString("utf8");
          if (seen.includes('"TOOL_CALL_START"')) {
            req.destroy();
            resolve();
          }
        });
        response.on("error", () => undefined);
      });
      req.on("error", (error) => (req.destroyed ? undefined : reject(error)));
      req.end("{}");
    });
    // Dropped from the fan-out while the run is still live (its tool is running).
    await until(() => server.clients === 0);
    open();
    const outcome = await handle;
    expect(outcome.status).toBe("done");
    await server.done;
    expect(server.clients).toBe(0);
    const { events, error } = await readWithHttpAgent(server.url);
    expect(error).toBeUndefined();
    expect(events.at(-1)).toMatchObject({ type: "RUN_FINISHED", runId: outcome.runId });
    expect(events).toContainEqual(expect.objectContaining({ type: "TOOL_CALL_RESULT", content: "sunny in Paris" }));
  });

  it("a run that cannot start reaches the client as RUN_ERROR naming why", async () => {
    const handle = run({ chart: talkChart(), model: scriptedModel([]), sessionDir: tempDir(), bogus: true } as never);
    const server = await serveAgUi(handle.events(), { port: 0 });
    servers.push(server);
    await expect(handle).rejects.toThrow();
    await server.done;
    const { events } = await readWithHttpAgent(server.url);
    expect(events).toEqual([expect.objectContaining({ type: "RUN_ERROR", message: expect.stringContaining("bogus") })]);
  });
});

describe("createAgUiMapper", () => {
  const base = { sessionId: "s-1", runId: "run-1", ts: 1_760_000_000_000 };
  let seq = 0;
  const event = (fields: Record<string, unknown>): PublicEvent => ({ ...base, seq: ++seq, ...fields }) as unknown as PublicEvent;

  it("maps a prompt to a CUSTOM event carrying an AG-UI interrupt, and its answer to a resume entry; an aborted run finishes cancelled", () => {
    const map = createAgUiMapper();
    const out = [
      event({ type: "run-started", chartId: "ask" }),
      event({ type: "chart-config", config: ["askName"], entered: ["askName"], exited: [], cause: "start" }),
      event({ type: "human-prompt", promptId: "name", invokeId: "name", kind: "text", message: "Who?" }),
      event({ type: "human-answer", promptId: "name", invokeId: "name", outcome: "answered", value: "Ada" }),
      event({ type: "human-prompt", promptId: "tone", invokeId: "tone", kind: "select", message: "Tone?", options: [{ value: "a", label: "A" }] }),
      event({ type: "human-answer", promptId: "tone", invokeId: "tone", outcome: "cancelled" }),
      // A fleet child's events are not this run's.
      event({ type: "chart-config", config: ["x"], entered: ["x"], exited: [], cause: "event", childSessionId: "c-1" }),
      event({ type: "run-aborted", finalConfig: ["askName"] }),
      event({ type: "text-delta", invokeId: "w", turn: 1, kind: "text", text: "late" }),
    ].flatMap(map);
    for (const e of out) expect(EventSchemas.safeParse(e).success, JSON.stringify(e)).toBe(true);
    expect(out.map((e) => e.type)).toEqual([
      "RUN_STARTED",
      "STATE_SNAPSHOT",
      "STEP_STARTED",
      "CUSTOM",
      "CUSTOM",
      "CUSTOM",
      "CUSTOM",
      "STEP_FINISHED",
      "RUN_FINISHED",
    ]);
    expect(out[3]).toMatchObject({
      name: "escapement.human-prompt",
      value: { id: "name", reason: "human_input", message: "Who?", metadata: { kind: "text" } },
    });
    expect(out[4]).toMatchObject({ name: "escapement.human-answer", value: { interruptId: "name", status: "resolved", payload: "Ada" } });
    expect(out[5]).toMatchObject({ value: { id: "tone", metadata: { options: [{ value: "a", label: "A" }] } } });
    expect(out[6]).toMatchObject({ value: { interruptId: "tone", status: "cancelled" } });
    expect(out.at(-1)).toMatchObject({ outcome: { type: "cancelled" }, threadId: "s-1", runId: "run-1" });
  });

  it("patches the context key by key: added, replaced and removed keys, pointer escaping, whole when not an object", () => {
    expect(contextPatch({ a: 1, "x/y": 1, "t~": 1, same: [1] }, { a: 2, "x/y": 1, same: [1], b: { c: 1 } })).toEqual([
      { op: "remove", path: "/context/t~0" },
      { op: "replace", path: "/context/a", value: 2 },
      { op: "add", path: "/context/b", value: { c: 1 } },
    ]);
    expect(contextPatch({ a: 1 }, { a: 1 })).toEqual([]);
    expect(contextPatch([1], { a: 1 })).toEqual([{ op: "replace", path: "/context", value: { a: 1 } }]);
    expect(contextPatch(undefined, { a: 1 })).toEqual([{ op: "add", path: "/context", value: { a: 1 } }]);
    expect(contextPatch({ "a/b": 1 }, {})).toEqual([{ op: "remove", path: "/context/a~1b" }]);
  });

  it("a failed run ends with RUN_ERROR carrying the category; nothing before the run's start is sent", () => {
    const map = createAgUiMapper();
    expect(map(event({ type: "text-delta", invokeId: "w", turn: 1, kind: "text", text: "early" }))).toEqual([]);
    map(event({ type: "run-started", chartId: "c" }));
    expect(map(event({ type: "run-error", finalConfig: [], category: "llm", message: "the model failed" }))).toEqual([
      expect.objectContaining({ type: "RUN_ERROR", code: "llm", message: "the model failed" }),
    ]);
  });
});
