import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  breadcrumbOf,
  coalesceDeltas,
  createFrameSequencer,
  decodeOutbound,
  firstSeqOf,
  framesFromRow,
  helloFrame,
  initialSequencerState,
  isStreamFrame,
  replayFrames,
  replayFramesAsync,
  snapshotFrame,
  validateFrame,
  type EventFrame,
  type OutboundFrame,
  type StreamFrame,
  type TranscriptRow,
} from "../src/index.js";
import { samplePath, sampleRows, sampleWireJsonl } from "../scripts/sample-session.js";

const T0 = 1_760_000_000_000;
const rowsOf = (...rows: [string, unknown][]): TranscriptRow[] => rows.map(([event, data], i) => ({ seq: i + 1, ts: T0 + i, event, data }));

const prompt = {
  promptId: "p-1",
  invokeId: "ask-1",
  kind: "confirm",
  message: "Go?",
  schema: { type: "boolean" },
};

const session = rowsOf(
  ["runner/started", { sessionId: "s-1", runId: "r-1", chartId: "flow", resumed: false }],
  ["runner/start-config", { config: ["flow", "flow.a"] }],
  ["llm/conversation-started", { invokeId: "c-1", stateId: "flow.a", model: "smart" }],
  ["llm/request", { invokeId: "c-1", stateId: "flow.a", turn: 1, model: "smart", messageCount: 1, tools: [], ref: "io/1", snippet: "hi" }],
  ["llm/delta", { invokeId: "c-1", turn: 1, kind: "thinking", text: "hm" }],
  ["llm/delta", { invokeId: "c-1", turn: 1, kind: "text", text: "Hel" }],
  ["llm/delta", { invokeId: "c-1", turn: 1, kind: "text", text: "lo" }],
  ["human-input/requested", prompt],
  ["human-input/progress", { promptId: "p-1", value: 1, total: 2 }],
  ["debug/paused", { reason: "user" }],
  ["runner/event-processed", { event: "TICK", before: ["flow", "flow.a"], after: ["flow", "flow.a"], entered: [], exited: [] }],
  ["human-input/answered", { promptId: "p-1", value: true }],
  ["runner/event-processed", { event: "GO", before: ["flow", "flow.a"], after: ["flow", "flow.b"], entered: ["flow.b"], exited: ["flow.a"] }],
  ["planner/replanned", { anything: 1 }],
  ["runner/done", { finalConfig: ["flow", "flow.b"], status: "done" }],
);

const summary = (frames: readonly StreamFrame[]) =>
  frames.map((frame) => (frame.kind === "event" ? `${frame.seq}:event:${frame.row.event}` : `${frame.seq}:${frame.kind}`));

describe("framesFromRow / createFrameSequencer", () => {
  const sequencer = createFrameSequencer();
  const frames = session.flatMap((row) => sequencer.push(row));

  it("turns every row into an event frame, followed by its derived frame", () => {
    expect(summary(frames)).toEqual([
      "1:event:runner/started",
      "2:event:runner/start-config",
      "3:phase",
      "4:event:llm/conversation-started",
      "5:event:llm/request",
      "6:event:llm/delta",
      "7:event:llm/delta",
      "8:event:llm/delta",
      "9:event:human-input/requested",
      "10:prompt",
      "11:event:human-input/progress",
      "12:event:debug/paused",
      "13:debug",
      "14:event:runner/event-processed",
      "15:event:human-input/answered",
      "16:prompt-closed",
      "17:event:runner/event-processed",
      "18:phase",
      "19:event:planner/replanned",
      "20:event:runner/done",
      "21:run-finished",
    ]);
  });

  it("assigns a gap-free seq from 1 and links derived frames to their row", () => {
    expect(frames.map((frame) => frame.seq)).toEqual(frames.map((_, i) => i + 1));
    for (const [i, frame] of frames.entries()) {
      if (frame.kind === "event") continue;
      const previous = frames[i - 1] as EventFrame;
      expect(previous.kind).toBe("event");
      expect((frame as { rowSeq: number }).rowSeq).toBe(previous.row.seq);
    }
  });

  it("carries the row through unchanged, unknown events included", () => {
    const events = frames.filter((frame): frame is EventFrame => frame.kind === "event");
    expect(events.map((frame) => frame.row)).toEqual(session);
  });

  it("derives the frames' contents from the rows", () => {
    const byKind = (kind: string) => frames.filter((frame) => frame.kind === kind);
    expect(byKind("phase")).toEqual([
      { v: 1, kind: "phase", seq: 3, rowSeq: 2, config: ["flow", "flow.a"], breadcrumb: ["flow", "a"] },
      { v: 1, kind: "phase", seq: 18, rowSeq: 13, config: ["flow", "flow.b"], breadcrumb: ["flow", "b"], event: "GO" },
    ]);
    expect(byKind("prompt")).toEqual([{ v: 1, kind: "prompt", seq: 10, rowSeq: 8, prompt }]);
    expect(byKind("prompt-closed")).toEqual([{ v: 1, kind: "prompt-closed", seq: 16, rowSeq: 12, promptId: "p-1", outcome: "answered", value: true }]);
    expect(byKind("debug")).toEqual([{ v: 1, kind: "debug", seq: 13, rowSeq: 10, paused: true, mode: "run", stepBudget: 0, reason: "user" }]);
    expect(byKind("run-finished")).toEqual([{ v: 1, kind: "run-finished", seq: 21, rowSeq: 15, status: "done", finalConfig: ["flow", "flow.b"] }]);
  });

  it("keeps a parked run's prompts open, and closes every prompt at any other run's end", () => {
    const ending = (done: unknown) =>
      rowsOf(
        ["runner/started", { sessionId: "s-1", runId: "r-1", chartId: "flow", resumed: false }],
        ["runner/start-config", { config: ["flow", "flow.a"] }],
        ["human-input/requested", prompt],
        ["runner/done", done],
      ).reduce((state, row) => framesFromRow(row, state).state, initialSequencerState);
    const parked = ending({ finalConfig: ["flow", "flow.a"], status: "aborted", parked: { prompts: ["p-1"] } });
    expect(snapshotFrame(parked).prompts?.map((open) => open.promptId)).toEqual(["p-1"]);
    expect(snapshotFrame(parked).finished).toEqual({ status: "aborted", finalConfig: ["flow", "flow.a"], parked: { prompts: ["p-1"] } });
    const aborted = ending({ finalConfig: ["flow", "flow.a"], status: "aborted" });
    expect(snapshotFrame(aborted).prompts ?? []).toEqual([]);
  });

  it("produces only valid frames", () => {
    for (const frame of frames) expect(validateFrame(frame, { direction: "outbound" }).ok, `#${frame.seq}`).toBe(true);
  });

  it("is pure: the same rows from the same state give the same frames, the input state untouched", () => {
    const state = initialSequencerState;
    const before = JSON.stringify(snapshotFrame(state));
    const first = session.map((row) => framesFromRow(row, state).frames);
    const second = session.map((row) => framesFromRow(row, state).frames);
    expect(first).toEqual(second);
    expect(JSON.stringify(snapshotFrame(state))).toBe(before);
    const replayed = createFrameSequencer();
    expect(session.flatMap((row) => replayed.push(row))).toEqual(frames);
  });

  it("derives nothing from a known row whose data is invalid, but still forwards it", () => {
    const bad: TranscriptRow = { seq: 1, ts: T0, event: "human-input/requested", data: { promptId: 7 } };
    const step = framesFromRow(bad, initialSequencerState);
    expect(step.frames).toEqual([{ v: 1, kind: "event", seq: 1, row: bad }]);
    expect(step.state.prompts.size).toBe(0);
  });

  it("closes a cancelled prompt and applies step and mode changes", () => {
    const s = createFrameSequencer();
    const out = rowsOf(
      ["human-input/requested", prompt],
      ["human-input/cancelled", { promptId: "p-1" }],
      ["debug/step", { n: 3 }],
      ["debug/mode", { mode: "armed" }],
      ["debug/resumed", {}],
    ).flatMap((row) => s.push(row));
    expect(out.filter((f) => f.kind !== "event")).toEqual([
      { v: 1, kind: "prompt", seq: 2, rowSeq: 1, prompt },
      { v: 1, kind: "prompt-closed", seq: 4, rowSeq: 2, promptId: "p-1", outcome: "cancelled" },
      { v: 1, kind: "debug", seq: 6, rowSeq: 3, paused: false, mode: "step", stepBudget: 3 },
      { v: 1, kind: "debug", seq: 8, rowSeq: 4, paused: false, mode: "armed", stepBudget: 0 },
      { v: 1, kind: "debug", seq: 10, rowSeq: 5, paused: false, mode: "armed", stepBudget: 0 },
    ]);
    expect(s.state.prompts.size).toBe(0);
  });
});

describe("snapshot", () => {
  const at = (count: number) => {
    const sequencer = createFrameSequencer();
    for (const row of session.slice(0, count)) sequencer.push(row);
    return sequencer.snapshot();
  };

  it("before anything: no phase, nothing open", () => {
    expect(at(0)).toEqual({
      v: 1,
      kind: "snapshot",
      seq: 0,
      rowSeq: 0,
      prompts: [],
      debug: { paused: false, mode: "run", stepBudget: 0 },
      conversations: [],
    });
  });

  it("mid-run: phase, open prompt with progress, debug state and the live conversation's streamed text", () => {
    const snapshot = at(10);
    expect(snapshot).toEqual({
      v: 1,
      kind: "snapshot",
      seq: 13,
      rowSeq: 10,
      phase: { config: ["flow", "flow.a"], breadcrumb: ["flow", "a"] },
      prompts: [{ ...prompt, progress: { value: 1, total: 2 } }],
      debug: { paused: true, mode: "run", stepBudget: 0, reason: "user" },
      conversations: [{ invokeId: "c-1", stateId: "flow.a", model: "smart", turn: 1, streamed: { text: "Hello", thinking: "hm" } }],
    });
    expect(validateFrame(snapshot, { direction: "outbound" }).ok).toBe(true);
  });

  it("after the run: finished, nothing open", () => {
    const snapshot = at(session.length);
    expect(snapshot.finished).toEqual({ status: "done", finalConfig: ["flow", "flow.b"] });
    expect(snapshot.prompts).toEqual([]);
    expect(snapshot.seq).toBe(21);
  });

  it("resets streamed text on a new request and on the response, and drops ended conversations", () => {
    const s = createFrameSequencer();
    for (const row of rowsOf(
      ["llm/conversation-started", { invokeId: "c", stateId: "s", model: "m" }],
      ["llm/delta", { invokeId: "c", turn: 1, kind: "text", text: "abc" }],
      [
        "llm/response",
        {
          invokeId: "c",
          stateId: "s",
          turn: 1,
          target: "t",
          stopReason: "end_turn",
          usage: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0 },
          elapsedMs: 1,
          ref: "io/r",
          snippet: "abc",
        },
      ],
    ))
      s.push(row);
    expect(s.snapshot().conversations[0]?.streamed).toEqual({ text: "", thinking: "" });
    s.push({ seq: 4, ts: T0, event: "llm/conversation-ended", data: { invokeId: "c", stateId: "s", reason: "exit" } });
    expect(s.snapshot().conversations).toEqual([]);
  });

  it("a fleet: each child's status and phase, its conversations and prompts named by child; a resumed child keeps its phase", () => {
    const childPrompt = { ...prompt, promptId: "k-1/p-1", invokeId: "k-1/ask-1", childSessionId: "k-1", childSeq: 7 };
    const rows = rowsOf(
      ["runner/start-config", { config: ["fan"] }],
      ["session/child-started", { childSessionId: "k-1", chartId: "kid" }],
      ["session/child-started", { childSessionId: "k-2", chartId: "kid" }],
      ["session/child-phase", { childSessionId: "k-1", childSeq: 2, config: ["a", "a.b"], breadcrumb: ["a", "b"] }],
      ["llm/conversation-started", { invokeId: "k-1/c", stateId: "k-1/a.b", model: "m", childSessionId: "k-1", childSeq: 3 }],
      ["human-input/requested", childPrompt],
      ["session/child-done", { childSessionId: "k-2", status: "error" }],
      ["session/child-phase", { childSessionId: "nobody", childSeq: 1, config: ["x"], breadcrumb: ["x"] }],
    );
    const s = createFrameSequencer();
    const frames = rows.flatMap((row) => s.push(row));
    // Child rows derive no frames of their own: the parent's phase is the parent's alone.
    expect(frames.filter((frame) => frame.kind === "phase")).toHaveLength(1);
    expect(frames.find((frame) => frame.kind === "prompt")).toMatchObject({ child: "k-1", prompt: childPrompt });
    const snapshot = s.snapshot();
    expect(snapshot.children).toEqual([
      { childSessionId: "k-1", chartId: "kid", status: "running", phase: { config: ["a", "a.b"], breadcrumb: ["a", "b"] } },
      { childSessionId: "k-2", chartId: "kid", status: "error" },
    ]);
    expect(snapshot.conversations).toEqual([
      { invokeId: "k-1/c", stateId: "k-1/a.b", model: "m", turn: 0, streamed: { text: "", thinking: "" }, child: "k-1" },
    ]);
    expect(snapshot.prompts).toEqual([childPrompt]);
    expect(validateFrame(snapshot, { direction: "outbound" }).ok).toBe(true);

    s.push({ seq: 9, ts: T0, event: "human-input/answered", data: { promptId: "k-1/p-1", value: true, childSessionId: "k-1", childSeq: 8 } });
    s.push({ seq: 10, ts: T0, event: "session/child-started", data: { childSessionId: "k-1", chartId: "kid", resumed: true } });
    expect(s.snapshot().children?.[0]).toEqual({
      childSessionId: "k-1",
      chartId: "kid",
      status: "running",
      phase: { config: ["a", "a.b"], breadcrumb: ["a", "b"] },
    });
    // Ten rows, one event frame each, and three derived frames (the run's phase, the prompt, its close).
    expect(s.state.seq).toBe(13);
  });

  it("a run without children has no children field", () => {
    expect(at(session.length)).not.toHaveProperty("children");
  });
});

describe("replay", () => {
  it("is hello (replay: true, ids from runner/started) and then exactly the live stream frames", () => {
    const frames = [...replayFrames(session)];
    expect(frames[0]).toEqual(helloFrame({ sessionId: "s-1", runId: "r-1", chartId: "flow", replay: true }));
    expect(frames[0]).toMatchObject({ seq: 0, replay: true, heartbeatMs: 0, capabilities: ["resume", "snapshot"] });
    const live = createFrameSequencer();
    expect(frames.slice(1)).toEqual(session.flatMap((row) => live.push(row)));
  });

  it("lets options override the hello ids, and still says hello for an empty transcript", () => {
    expect([...replayFrames([], { sessionId: "x", runId: "y", chartId: "z" })]).toEqual([
      helloFrame({ sessionId: "x", runId: "y", chartId: "z", replay: true }),
    ]);
    expect([...replayFrames([])][0]).toMatchObject({ sessionId: "unknown" });
  });

  it("has an async twin that yields the same frames", async () => {
    async function* source() {
      yield* session;
    }
    const frames: OutboundFrame[] = [];
    for await (const frame of replayFramesAsync(source())) frames.push(frame);
    expect(frames).toEqual([...replayFrames(session)]);
  });

  it("resumes: frames after seq N from a fresh replay continue a live stream exactly", () => {
    const all = [...replayFrames(session)].filter(isStreamFrame);
    const since = 9;
    const resumed = [...replayFrames(session)].filter(isStreamFrame).filter((frame) => frame.seq > since);
    expect([...all.slice(0, since), ...resumed]).toEqual(all);
  });
});

describe("the committed sample session", () => {
  const committed = readFileSync(samplePath, "utf8");

  it("is what the generator produces (run npm run sample -w @escapement/wire-schema)", () => {
    expect(committed).toBe(sampleWireJsonl());
  });

  it("is valid wire JSONL covering hello, phase, events, prompt, prompt-closed, debug and run-finished", () => {
    const lines = committed.trimEnd().split("\n");
    const kinds = new Set<string>();
    for (const line of lines) {
      const result = decodeOutbound(line);
      expect(result.ok ? "ok" : result.error.message).toBe("ok");
      if (result.ok) kinds.add(result.frame.kind);
    }
    expect([...kinds].sort()).toEqual(["debug", "event", "hello", "phase", "prompt", "prompt-closed", "run-finished"]);
    expect(lines.some((line) => line.includes('"llm/delta"'))).toBe(true);
    expect(lines.some((line) => line.includes('"llm/response"'))).toBe(true);
    expect(sampleRows().length).toBeGreaterThan(20);
  });
});

describe("breadcrumbOf", () => {
  it.each([
    [[], []],
    [["flow"], ["flow"]],
    [
      ["flow", "flow.a"],
      ["flow", "a"],
    ],
    [
      ["flow.a", "flow"],
      ["flow", "a"],
    ],
    [
      ["flow", "flow.a", "flow.a.edit"],
      ["flow", "a", "edit"],
    ],
    // A parallel state: the first deepest region's path, the top-level state kept.
    [
      ["work", "work.left", "work.left.drafting", "work.right", "work.right.x"],
      ["work", "left", "drafting"],
    ],
    [
      ["a", "b", "b.c"],
      ["b", "c"],
    ],
    [["#custom"], ["#custom"]],
    [["m.a.b"], ["m", "a", "b"]],
  ])("%j -> %j", (config, crumb) => {
    expect(breadcrumbOf(config)).toEqual(crumb);
  });
});

describe("coalesceDeltas", () => {
  const frame = (seq: number, text: string, data: Record<string, unknown> = {}): EventFrame => ({
    v: 1,
    kind: "event",
    seq,
    row: { seq: seq + 100, ts: T0 + seq, event: "llm/delta", data: { invokeId: "c", turn: 1, kind: "text", text, ...data } },
  });

  it("merges adjacent deltas of one conversation, turn and kind, keeping the last seq and the first as coalescedFrom", () => {
    const merged = coalesceDeltas(frame(5, "Hel"), frame(6, "lo"));
    expect(merged).toEqual({ ...frame(6, "Hello"), coalescedFrom: 5 });
    const again = coalesceDeltas(merged as EventFrame, frame(7, "!"));
    expect(again).toEqual({ ...frame(7, "Hello!"), coalescedFrom: 5 });
    expect(firstSeqOf(again as EventFrame)).toBe(5);
    expect(validateFrame(again, { direction: "outbound" }).ok).toBe(true);
  });

  it("refuses anything else", () => {
    expect(coalesceDeltas(frame(5, "a"), frame(7, "b"))).toBeUndefined();
    expect(coalesceDeltas(frame(5, "a"), frame(6, "b", { invokeId: "other" }))).toBeUndefined();
    expect(coalesceDeltas(frame(5, "a"), frame(6, "b", { turn: 2 }))).toBeUndefined();
    expect(coalesceDeltas(frame(5, "a"), frame(6, "b", { kind: "thinking" }))).toBeUndefined();
    const phase: OutboundFrame = { v: 1, kind: "phase", seq: 6, rowSeq: 1, config: [], breadcrumb: [] };
    expect(coalesceDeltas(frame(5, "a"), phase)).toBeUndefined();
    const other: EventFrame = { ...frame(6, "b"), row: { ...frame(6, "b").row, event: "llm/idle" } };
    expect(coalesceDeltas(frame(5, "a"), other)).toBeUndefined();
  });
});
