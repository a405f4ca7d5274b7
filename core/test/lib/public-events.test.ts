/** The pure mapping transcript row -> public events, one kind at a time; every event is valid. */
import { validateTranscriptRow, type PublicEvent, type TranscriptRow } from "@escapement/wire-schema";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  createPublicEventMapper,
  initialPublicEventState,
  mapTranscriptRow,
  publicEventsOf,
  publicEventTypes,
  readTranscript,
  run,
  type PublicEventState,
} from "../../src/index.js";
import { scriptedModel } from "../../src/llm/index.js";
import { expectValidEvents, talkChart, tempDir } from "./helpers.js";

const ids = { sessionId: "s-1", runId: "run-1" };
const state: PublicEventState = { ...ids, chartId: "hello", prompts: {} };
let seq = 0;
const row = (event: string, data: unknown): TranscriptRow => {
  const value = { seq: ++seq, ts: 1_760_000_000_000 + seq, event, data };
  // The fixtures are real rows: valid against the transcript schema.
  const checked = validateTranscriptRow(value);
  if (!checked.ok) throw new Error(`bad fixture ${event}: ${checked.error.message}`);
  return value;
};

/** Maps one row from `state` and checks every event it gives. */
const map = (r: TranscriptRow, from: PublicEventState = state): PublicEvent[] => {
  const { events } = mapTranscriptRow(r, from);
  expectValidEvents(events);
  for (const event of events) expect(event).toMatchObject({ sessionId: "s-1", runId: "run-1", seq: r.seq, ts: r.ts });
  return events;
};

const covered = new Set<string>();
const expectEvents = (events: PublicEvent[], expected: Array<Record<string, unknown>>): void => {
  expect(events).toEqual(expected.map((fields) => expect.objectContaining(fields)));
  for (const event of events) covered.add(event.type);
};

describe("mapTranscriptRow", () => {
  it("runner/started -> run-started, and learns the ids", () => {
    const r = row("runner/started", { sessionId: "s-1", runId: "run-1", chartId: "hello", resumed: false });
    const { events, state: next } = mapTranscriptRow(r, initialPublicEventState());
    expectValidEvents(events);
    expectEvents(events, [{ type: "run-started", sessionId: "s-1", runId: "run-1", chartId: "hello" }]);
    expect(next).toEqual({ sessionId: "s-1", runId: "run-1", chartId: "hello", prompts: {} });
    const child = row("runner/started", { sessionId: "s-1", runId: "run-1", chartId: "hello", resumed: false, parentSessionId: "p-1" });
    expectEvents(map(child), [{ type: "run-started", parentSessionId: "p-1" }]);
  });

  it("a resumed run: runner/started gives nothing, runner/resumed -> run-resumed with the chart id", () => {
    const started = row("runner/started", { sessionId: "s-1", runId: "run-2", chartId: "hello", resumed: true });
    const first = mapTranscriptRow(started, initialPublicEventState());
    expect(first.events).toEqual([]);
    const { events } = mapTranscriptRow(row("runner/resumed", { fromSeq: 12, checkpointSeq: 11 }), first.state);
    expectValidEvents(events);
    expectEvents(events, [{ type: "run-resumed", runId: "run-2", chartId: "hello", fromSeq: 12, checkpointSeq: 11 }]);
  });

  it("runner/start-config -> chart-config (cause start)", () => {
    expectEvents(map(row("runner/start-config", { config: ["greeting"] })), [
      { type: "chart-config", config: ["greeting"], entered: ["greeting"], exited: [], cause: "start" },
    ]);
  });

  it("runner/event-processed -> chart-event, plus chart-config when the configuration changed", () => {
    const moved = row("runner/event-processed", {
      event: "greeting.done",
      eventData: { greeting: "Hi", invokeId: "greeter" },
      before: ["greeting"],
      after: ["done"],
      entered: ["done"],
      exited: ["greeting"],
    });
    expectEvents(map(moved), [
      { type: "chart-event", event: "greeting.done", data: { greeting: "Hi", invokeId: "greeter" }, invokeId: "greeter" },
      { type: "chart-config", config: ["done"], entered: ["done"], exited: ["greeting"], cause: "event" },
    ]);
    const stayed = row("runner/event-processed", { event: "tick", before: ["a"], after: ["a"], entered: [], exited: [] });
    const events = map(stayed);
    expectEvents(events, [{ type: "chart-event", event: "tick" }]);
    expect(events[0]).not.toHaveProperty("data");
    expect(events[0]).not.toHaveProperty("invokeId");
  });

  it("runner/done -> exactly one terminal event by status; runner/error alone gives nothing", () => {
    expectEvents(map(row("runner/done", { finalConfig: ["done"], status: "done" })), [{ type: "run-done", finalConfig: ["done"] }]);
    expectEvents(map(row("runner/done", { finalConfig: ["a"], status: "aborted" })), [{ type: "run-aborted", finalConfig: ["a"] }]);
    expect(map(row("runner/error", { category: "wedged", message: "stuck" }))).toEqual([]);
    expectEvents(map(row("runner/done", { finalConfig: ["a"], status: "error", error: { category: "wedged", message: "stuck" } })), [
      { type: "run-error", finalConfig: ["a"], category: "wedged", message: "stuck" },
    ]);
  });

  it("llm/delta -> text-delta (text and thinking)", () => {
    expectEvents(map(row("llm/delta", { invokeId: "c", turn: 1, kind: "text", text: "Hel" })), [
      { type: "text-delta", invokeId: "c", turn: 1, kind: "text", text: "Hel" },
    ]);
    expectEvents(map(row("llm/delta", { invokeId: "c", turn: 1, kind: "thinking", text: "hmm" })), [{ type: "text-delta", kind: "thinking", text: "hmm" }]);
  });

  it("llm/request -> llm-request", () => {
    const data = {
      invokeId: "c",
      stateId: "talk.talking",
      turn: 2,
      model: "default",
      messageCount: 3,
      tools: ["finish"],
      ref: "io/c-2-request.json",
      snippet: "Say",
    };
    expectEvents(map(row("llm/request", data)), [{ type: "llm-request", ...data }]);
  });

  it("llm/response -> llm-response, optional fields only when present", () => {
    const data = {
      invokeId: "c",
      stateId: "talk.talking",
      turn: 1,
      target: "house:m1",
      stopReason: "end_turn",
      usage: { input: 12, output: 7, cacheRead: 0, cacheWrite: 0 },
      elapsedMs: 40,
      ttftMs: 12,
      costUsd: 0.001,
      ref: "io/c-1-response.json",
      snippet: "Hello",
    };
    expectEvents(map(row("llm/response", data)), [{ type: "llm-response", ...data }]);
    const { ttftMs: _t, costUsd: _c, ...bare } = data;
    const [event] = map(row("llm/response", bare));
    expect(event).not.toHaveProperty("ttftMs");
    expect(event).not.toHaveProperty("costUsd");
  });

  it("llm/retry -> llm-retry", () => {
    const data = { invokeId: "c", attempt: 2, category: "overloaded", delayMs: 500, target: "house:m1" };
    expectEvents(map(row("llm/retry", data)), [{ type: "llm-retry", ...data }]);
  });

  it("llm/model-down and llm/latency-switch -> llm-fallback (down, slow)", () => {
    expectEvents(map(row("llm/model-down", { invokeId: "c", target: "house:m1", category: "auth" })), [
      { type: "llm-fallback", invokeId: "c", reason: "down", from: "house:m1", category: "auth" },
    ]);
    expectEvents(map(row("llm/latency-switch", { invokeId: "c", from: "house:m1", to: "house:m2", waitedMs: 3000 })), [
      { type: "llm-fallback", invokeId: "c", reason: "slow", from: "house:m1", to: "house:m2", waitedMs: 3000 },
    ]);
  });

  it("llm/error -> llm-error", () => {
    expectEvents(map(row("llm/error", { invokeId: "c", category: "auth", message: "no key", attempts: 2 })), [
      { type: "llm-error", invokeId: "c", category: "auth", message: "no key", attempts: 2 },
    ]);
  });

  it("llm/tool-call and llm/tool-result -> tool-call, tool-result", () => {
    const call = {
      invokeId: "c",
      turn: 1,
      toolCallId: "call_1",
      name: "fs_read",
      toolKind: "real",
      snippet: '{"path":"a.txt"}',
      ref: "io/c-1-call_1-input.json",
    };
    expectEvents(map(row("llm/tool-call", call)), [{ type: "tool-call", ...call }]);
    const result = {
      invokeId: "c",
      turn: 1,
      toolCallId: "call_1",
      name: "fs_read",
      isError: false,
      snippet: "hello",
      meta: { resolvedPath: "/w/a.txt", bytes: 5 },
    };
    expectEvents(map(row("llm/tool-result", result)), [{ type: "tool-result", ...result }]);
  });

  it("llm/tool-validation-failed -> tool-validation-failure", () => {
    const data = { invokeId: "c", turn: 1, toolCallId: "call_2", name: "finish", issues: "note: expected string", final: true };
    expectEvents(map(row("llm/tool-validation-failed", data)), [{ type: "tool-validation-failure", ...data }]);
  });

  it("tool/permission -> tool-permission", () => {
    const data = {
      invokeId: "c",
      turn: 1,
      toolCallId: "call_3",
      tool: "fs_write",
      targetKind: "path",
      target: "write /w/../escaped.txt",
      decision: "deny",
      rule: "default: outside the work root → deny",
    };
    expectEvents(map(row("tool/permission", data)), [{ type: "tool-permission", ...data }]);
    const asked = { ...data, decision: "allow", rule: "human: allowed once", asked: true, answer: "once" };
    expectEvents(map(row("tool/permission", asked)), [{ type: "tool-permission", ...asked }]);
  });

  it("human-input rows -> human-prompt, human-answer (the answer carries the asking actor)", () => {
    const request = row("human-input/requested", {
      promptId: "pick",
      invokeId: "chooser",
      kind: "select",
      message: "Pick one",
      options: [{ value: "a", label: "A" }],
      schema: { enum: ["a"] },
    });
    const asked = mapTranscriptRow(request, state);
    expectValidEvents(asked.events);
    expectEvents(asked.events, [
      { type: "human-prompt", invokeId: "chooser", promptId: "pick", kind: "select", message: "Pick one", options: [{ value: "a", label: "A" }] },
    ]);
    expect(asked.events[0]).not.toHaveProperty("schema");
    expect(asked.state.prompts).toEqual({ pick: "chooser" });
    expect(state.prompts).toEqual({}); // pure: the input state is untouched

    const answered = mapTranscriptRow(row("human-input/answered", { promptId: "pick", value: "a" }), asked.state);
    expectValidEvents(answered.events);
    expectEvents(answered.events, [{ type: "human-answer", invokeId: "chooser", promptId: "pick", outcome: "answered", value: "a" }]);
    expect(answered.state.prompts).toEqual({});

    const cancelled = mapTranscriptRow(row("human-input/cancelled", { promptId: "pick" }), asked.state);
    expectValidEvents(cancelled.events);
    expectEvents(cancelled.events, [{ type: "human-answer", invokeId: "chooser", promptId: "pick", outcome: "cancelled" }]);
    expect(cancelled.events[0]).not.toHaveProperty("value");
  });

  it("a row mirrored from a fleet child names its child session", () => {
    const data = {
      invokeId: "batch-1/talker",
      stateId: "batch-1/talking",
      turn: 1,
      model: "default",
      messageCount: 1,
      tools: [],
      ref: "children/batch-1/io/r.json",
      snippet: "x",
      childSessionId: "batch-1",
      childSeq: 7,
    };
    const [event] = map(row("llm/request", data));
    expect(event).toMatchObject({ type: "llm-request", invokeId: "batch-1/talker", childSessionId: "batch-1" });
    expect(event).not.toHaveProperty("childSeq");
    expect(map(row("llm/request", { ...data, childSessionId: undefined }))[0]).not.toHaveProperty("childSessionId");
  });

  it("rows a host does not need give nothing", () => {
    for (const [event, data] of [
      ["checkpoint/written", { seq: 3, kind: "snapshot", ref: "checkpoints/snapshot.json" }],
      ["llm/conversation-started", { invokeId: "c", stateId: "s", model: "default" }],
      ["llm/conversation-ended", { invokeId: "c", stateId: "s", reason: "exit" }],
      ["llm/idle", { invokeId: "c", turn: 1, ref: "io/x.json", snippet: "x" }],
      ["debug/paused", { reason: "step" }],
      ["artifact/captured", { name: "draft", ref: "artifacts/draft", bytes: 3, snippet: "abc" }],
      ["some/future-event", { anything: true }],
    ] as const) {
      expect(map(row(event, data)), event).toEqual([]);
    }
  });

  it("rows before any runner/started cannot be attributed and give nothing", () => {
    expect(mapTranscriptRow(row("llm/delta", { invokeId: "c", turn: 1, kind: "text", text: "x" }), initialPublicEventState()).events).toEqual([]);
  });

  it("covers every public event type", () => {
    // chart-context comes from the checkpoints of a live run, not from a row (see live-events.test.ts).
    expect([...covered].sort()).toEqual(publicEventTypes.filter((type) => type !== "chart-context").sort());
  });
});

describe("createPublicEventMapper / publicEventsOf", () => {
  const transcript = (): TranscriptRow[] => {
    seq = 0;
    return [
      row("runner/started", { sessionId: "s-1", runId: "run-1", chartId: "ask", resumed: false }),
      row("runner/start-config", { config: ["asking"] }),
      row("human-input/requested", { promptId: "name", invokeId: "name", kind: "text", message: "Name?", schema: { type: "string" } }),
      row("human-input/answered", { promptId: "name", value: "Grace" }),
      row("runner/event-processed", {
        event: "xstate.done.actor.name",
        eventData: { output: "Grace" },
        before: ["asking"],
        after: ["done"],
        entered: ["done"],
        exited: ["asking"],
      }),
      row("runner/done", { finalConfig: ["done"], status: "done" }),
    ];
  };

  it("threads the state through a row stream", async () => {
    const rows = transcript();
    const map = createPublicEventMapper();
    const viaMapper = rows.flatMap((r) => map(r));
    const streamed: PublicEvent[] = [];
    for await (const event of publicEventsOf(rows)) streamed.push(event);
    expect(streamed).toEqual(viaMapper);
    expectValidEvents(streamed);
    expect(streamed.map((event) => event.type)).toEqual([
      "run-started",
      "chart-config",
      "human-prompt",
      "human-answer",
      "chart-event",
      "chart-config",
      "run-done",
    ]);
    expect(streamed.find((event) => event.type === "human-answer")).toMatchObject({ invokeId: "name", value: "Grace" });
  });

  it("a saved session whose model text holds U+2028 and U+2029 gives the events the live run gave", async () => {
    const text = "Line\u2028separator, paragraph\u2029separator.";
    const live: PublicEvent[] = [];
    const model = scriptedModel([{ deltas: [{ text }], events: [{ name: "finish", payload: { note: text } }] }]);
    const outcome = await run({ chart: talkChart(), model, sessionDir: join(tempDir(), "session"), onEvent: (event) => live.push(event) });
    expect(outcome.status).toBe("done");
    const saved: PublicEvent[] = [];
    for await (const event of publicEventsOf(readTranscript(outcome.transcriptPath))) saved.push(event);
    // The live run also told its context (checkpoints hold it, the transcript does not).
    expect(saved).toEqual(live.filter((event) => event.type !== "chart-context"));
    expect(saved.filter((event) => event.type === "text-delta").map((event) => (event as { text: string }).text)).toEqual([text]);
    expect(saved.at(-1)?.type).toBe("run-done");
  });
});
