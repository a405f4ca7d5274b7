import { describe, expect, test } from "bun:test";
import type { OutboundFrame } from "@escapement/wire-schema";
import {
  applyFrame,
  applyFrames,
  breadcrumb,
  initialViewState,
  liveCount,
  liveRows,
  logPage,
  logRowCount,
  runStatus,
  totalTokens,
  totalTokensPerSecond,
  viewNow,
  elapsedMs,
  type ViewState,
} from "../../src/domain/index.ts";
import { data, sampleFrames, scriptedRun, T0 } from "../support/frames.ts";

const conversation = (state: ViewState, invokeId: string) => {
  const found = state.conversations.get(invokeId);
  if (!found) throw new Error(`no conversation ${invokeId}`);
  return found;
};

describe("the sample replay", () => {
  const state = applyFrames(initialViewState(), sampleFrames());

  test("takes run identity and the replay flag from hello", () => {
    expect(state.run).toEqual({
      sessionId: "2025-10-09-release-notes-7f3a",
      runId: "run-1",
      chartId: "release-notes",
      replay: true,
      capabilities: ["resume", "snapshot"],
    });
    expect(state.seq).toBe(40);
    expect(state.rowSeq).toBe(30);
  });

  test("ends finished in the published state with nothing open", () => {
    expect(breadcrumb(state)).toEqual(["published"]);
    expect(state.phase?.event).toBe("PUBLISH");
    expect(state.prompts).toEqual([]);
    expect(state.debug).toEqual({ paused: false, mode: "run", stepBudget: 0 });
    expect(state.finished?.status).toBe("done");
    expect(runStatus(state)).toBe("done");
    expect(liveCount(state)).toBe(0);
  });

  test("sums the conversation's usage over both turns and keeps its last turn's text", () => {
    const draft = conversation(state, "draft-1");
    expect(draft.status).toBe("done");
    expect(draft.ended).toBe("exit");
    expect(draft.turn).toBe(2);
    expect(draft.usage).toEqual({ input: 2462, output: 134, cacheRead: 812, cacheWrite: 812 });
    expect(draft.ttftMs).toBe(380);
    expect(draft.tokensPerSec).toBe(114.3);
    expect(draft.target).toBe("anthropic:claude-sonnet-4-5");
    expect(draft.costUsd).toBeCloseTo(0.0073);
    expect(draft.text).toBe("## Highlights\n- Resume picks up exactly where a crash left off.\n- `escapement open` replays any saved session.\n");
    expect(totalTokens(state)).toBe(2596);
  });

  test("records the artifact", () => {
    expect(state.artifacts).toEqual([expect.objectContaining({ name: "release-notes", ref: "artifacts/release-notes", bytes: 111 })]);
  });

  test("logs one row per transcript row, with the eight deltas merged into one", () => {
    expect(logRowCount(state)).toBe(30 - 7);
    const rows = logPage(state, 100);
    const deltas = rows.filter((r) => r.event === "llm/delta");
    expect(deltas).toHaveLength(1);
    expect(deltas[0]?.deltas).toEqual({ count: 8, turn: 2, kind: "text" });
    expect(deltas[0]?.text).toStartWith("draft-1 #2 ▸ ## Highlights - Resume picks up exactly");
    expect(rows.map((r) => r.lane)).toEqual([
      "chart",
      "chart",
      "llm",
      "llm",
      "tool",
      "llm",
      "tool",
      "llm",
      "llm",
      "tool",
      "llm",
      "chart",
      "llm",
      "chart",
      "debug",
      "debug",
      "human",
      "human",
      "chart",
      "debug",
      "debug",
      "chart",
      "chart",
    ]);
    expect(rows.find((r) => r.event === "llm/response")).toMatchObject({
      ref: "io/draft-1/1.response.json",
      invokeId: "draft-1",
      text: "draft-1 #1 ← tool_use 38 tok 83 tok/s: read_file CHANGELOG.md",
    });
  });

  test("filters the log page by lane, newest page first", () => {
    const human = logPage(state, 10, 0, new Set(["human"]));
    expect(human.map((r) => r.text)).toEqual(["? Publish these release notes? (select)", 'p-1 = "publish"']);
    expect(logPage(state, 1, 1, new Set(["human"])).map((r) => r.event)).toEqual(["human-input/requested"]);
  });

  test("stops the clock at the last row in a replay", () => {
    const now = viewNow(state, T0 + 999_999_999);
    expect(now).toBe(T0 + 4392);
    expect(elapsedMs(state, now)).toBe(4392);
  });

  test("every prefix of the stream gives a consistent state (replaying is pure)", () => {
    const frames = sampleFrames();
    let previous = initialViewState();
    for (const frame of frames) {
      const next = applyFrame(previous, frame);
      expect(applyFrame(previous, frame)).toEqual(next);
      previous = next;
    }
    expect(previous).toEqual(state);
  });
});

describe("conversation status", () => {
  const run = scriptedRun();
  const steps: Record<string, OutboundFrame[]> = {
    hello: [run.hello()],
    started: run.row("llm/conversation-started", data.started("a")),
    request: run.row("llm/request", data.request("a", 1), 5),
    delta1: run.row("llm/delta", data.delta("a", 1, "x".repeat(40)), 300),
    delta2: run.row("llm/delta", data.delta("a", 1, "y".repeat(40)), 500),
    response: run.row("llm/response", data.response("a", 1, 20), 10),
    request2: run.row("llm/request", data.request("a", 2), 10),
    error: run.row("llm/error", { invokeId: "a", category: "rate-limit", message: "429 from provider", attempts: 3 }, 10),
  };
  const after = (step: string): ViewState => {
    const names = Object.keys(steps);
    const upto = names.slice(0, names.indexOf(step) + 1);
    return applyFrames(
      initialViewState(),
      upto.flatMap((name) => steps[name] ?? []),
    );
  };

  test("is waiting from conversation start and on each request", () => {
    expect(conversation(after("started"), "a").status).toBe("waiting");
    expect(conversation(after("request"), "a")).toMatchObject({ status: "waiting", turn: 1, model: "smart" });
    expect(liveCount(after("request"))).toBe(1);
  });

  test("streams from the first delta, with ttft from the row times", () => {
    const state = after("delta1");
    expect(conversation(state, "a")).toMatchObject({ status: "streaming", ttftMs: 300, text: "x".repeat(40) });
  });

  test("estimates tokens/s while streaming from characters over time", () => {
    const state = after("delta2");
    // 80 characters ≈ 20 tokens over the 0.5 s between the first and latest delta.
    expect(totalTokensPerSecond(state, run.ts - 10 - 10 - 10)).toBeCloseTo(40);
    expect(totalTokensPerSecond(state, T0 + 10 + 5 + 300 + 1000)).toBeCloseTo(20);
  });

  test("is done on the response, with usage and a rate from elapsed time", () => {
    const c = conversation(after("response"), "a");
    expect(c).toMatchObject({ status: "done", usage: { input: 100, output: 20, cacheRead: 0, cacheWrite: 0 } });
    expect(c.tokensPerSec).toBeCloseTo(20);
    expect(c.ttftMs).toBe(300);
    expect(totalTokensPerSecond(after("response"), run.ts)).toBe(0);
  });

  test("a new request clears the streamed text and ttft", () => {
    const c = conversation(after("request2"), "a");
    expect(c).toMatchObject({ status: "waiting", turn: 2, text: "", streamedChars: 0 });
    expect(c.ttftMs).toBeUndefined();
  });

  test("is error on llm/error, and the row lands in the error lane", () => {
    const state = after("error");
    expect(conversation(state, "a")).toMatchObject({
      status: "error",
      error: { category: "rate-limit", message: "429 from provider" },
    });
    expect(logPage(state, 1)[0]).toMatchObject({ lane: "error", text: "a rate-limit: 429 from provider" });
  });
});

describe("streams", () => {
  test("keep each conversation's streamed text bounded", () => {
    const run = scriptedRun();
    const frames = [run.hello(), ...run.row("llm/conversation-started", data.started("a")), ...run.row("llm/request", data.request("a", 1))];
    for (let i = 0; i < 500; i++) frames.push(...run.row("llm/delta", data.delta("a", 1, `${i % 10}`.repeat(50)), 1));
    const state = applyFrames(initialViewState({ streamTail: 1_000 }), frames);
    const c = conversation(state, "a");
    expect(c.text.length).toBeLessThanOrEqual(2_000);
    expect(c.text.length).toBeGreaterThanOrEqual(1_000);
    expect(c.text.endsWith("9".repeat(50))).toBe(true);
    expect(c.streamedChars).toBe(25_000);
  });

  test("keep thinking apart from text", () => {
    const run = scriptedRun();
    const state = applyFrames(initialViewState(), [
      run.hello(),
      ...run.row("llm/request", data.request("a", 1)),
      ...run.row("llm/delta", data.delta("a", 1, "hmm", "thinking")),
      ...run.row("llm/delta", data.delta("a", 1, "Answer")),
    ]);
    expect(conversation(state, "a")).toMatchObject({ thinking: "hmm", text: "Answer" });
    expect(logPage(state, 5).map((r) => r.text)).toEqual(["a #1 → smart: request 1", "a #1 thinking hmm", "a #1 ▸ Answer"]);
  });
});

describe("resume and snapshots", () => {
  test("ignores stream frames it already has", () => {
    const run = scriptedRun();
    const first = [run.hello(), ...run.row("llm/request", data.request("a", 1)), ...run.row("llm/delta", data.delta("a", 1, "one "))];
    const second = run.row("llm/delta", data.delta("a", 1, "two"));
    const once = applyFrames(initialViewState(), [...first, ...second]);
    // A reconnect with a stale `since` re-sends frames the view already applied.
    const twice = applyFrames(once, [run.hello(), ...first.slice(1), ...second]);
    expect(conversation(twice, "a").text).toBe("one two");
    expect(logRowCount(twice)).toBe(logRowCount(once));
  });

  test("a snapshot replaces phase, prompts, debug and conversations but keeps the log", () => {
    const run = scriptedRun();
    const early = [run.hello(), ...run.row("runner/start-config", { config: ["a"] }), ...run.row("llm/conversation-started", data.started("old"))];
    const state = applyFrames(initialViewState(), early);
    // Rows this view never saw, then a snapshot that covers them.
    run.row("llm/conversation-ended", data.ended("old"));
    run.row("runner/event-processed", {
      event: "GO",
      before: ["a"],
      after: ["b"],
      entered: ["b"],
      exited: ["a"],
    });
    run.row("llm/conversation-started", data.started("new"));
    run.row("llm/request", data.request("new", 1));
    run.row("llm/delta", data.delta("new", 1, "partial"));
    run.row("human-input/requested", {
      promptId: "p-1",
      invokeId: "ask-1",
      kind: "confirm",
      message: "Go on?",
      schema: { type: "boolean" },
    });
    run.row("debug/paused", { reason: "breakpoint" });
    const snapshot = run.snapshot();
    const next = applyFrame(state, snapshot);
    expect(next.seq).toBe(snapshot.seq);
    expect(breadcrumb(next)).toEqual(["b"]);
    expect(next.prompts.map((p) => p.promptId)).toEqual(["p-1"]);
    expect(next.debug).toMatchObject({ paused: true, reason: "breakpoint" });
    expect(conversation(next, "old").ended).toBe("exit");
    expect(conversation(next, "new")).toMatchObject({ status: "streaming", turn: 1, text: "partial" });
    expect(runStatus(next)).toBe("paused");
    expect(logRowCount(next)).toBe(logRowCount(state));
    // Frames continue after the snapshot's seq.
    const after = applyFrames(next, run.row("llm/delta", data.delta("new", 1, " more")));
    expect(conversation(after, "new").text).toBe("partial more");
  });

  test("a hello for another run starts over", () => {
    const run = scriptedRun();
    const state = applyFrames(initialViewState(), [run.hello(), ...run.row("llm/request", data.request("a", 1))]);
    const other = scriptedRun({ sessionId: "s-2", runId: "run-2", chartId: "demo" });
    const next = applyFrame(state, other.hello());
    expect(next.run?.runId).toBe("run-2");
    expect(next.conversations.size).toBe(0);
    expect(logRowCount(next)).toBe(0);
    expect(next.seq).toBe(0);
  });
});

describe("prompts, debug and errors", () => {
  test("open prompts follow prompt and prompt-closed frames; progress updates in place", () => {
    const run = scriptedRun();
    const state = applyFrames(initialViewState(), [
      run.hello(),
      ...run.row("human-input/requested", {
        promptId: "p-1",
        invokeId: "h",
        kind: "progress",
        message: "Indexing",
        schema: {},
        progress: { value: 0, total: 10 },
      }),
      ...run.row("human-input/requested", {
        promptId: "p-2",
        invokeId: "h2",
        kind: "text",
        message: "Name?",
        schema: { type: "string" },
      }),
      ...run.row("human-input/progress", { promptId: "p-1", value: 4, total: 10 }),
    ]);
    expect(state.prompts.map((p) => [p.promptId, p.progress])).toEqual([
      ["p-1", { value: 4, total: 10 }],
      ["p-2", undefined],
    ]);
    const closed = applyFrames(state, run.row("human-input/cancelled", { promptId: "p-1" }));
    expect(closed.prompts.map((p) => p.promptId)).toEqual(["p-2"]);
  });

  test("debug frames set the gate state", () => {
    const run = scriptedRun();
    const state = applyFrames(initialViewState(), [
      run.hello(),
      ...run.row("runner/started", { sessionId: "s-1", runId: "run-1", chartId: "demo", resumed: false }),
      ...run.row("debug/mode", { mode: "armed" }),
    ]);
    expect(state.debug).toEqual({ paused: false, mode: "armed", stepBudget: 0 });
    expect(runStatus(state)).toBe("running");
  });

  test("wire error frames are kept and logged in the error lane", () => {
    const state = applyFrame(initialViewState(), {
      v: 1,
      kind: "error",
      seq: 0,
      code: "unknown-prompt",
      path: "/promptId",
      message: "no open prompt p-9",
      fatal: false,
    });
    expect(state.wireErrors).toEqual([{ code: "unknown-prompt", message: "no open prompt p-9", fatal: false }]);
    expect(logPage(state, 1)[0]).toMatchObject({ lane: "error", text: "unknown-prompt: no open prompt p-9" });
  });

  test("heartbeats change nothing", () => {
    const state = initialViewState();
    expect(applyFrame(state, { v: 1, kind: "heartbeat", seq: 0, ts: T0 })).toBe(state);
  });
});

describe("child sessions and many conversations", () => {
  test("child sessions are grouped under the conversation that started them", () => {
    const run = scriptedRun();
    const state = applyFrames(initialViewState(), [
      run.hello(),
      ...run.row("llm/conversation-started", data.started("lead")),
      ...run.row("llm/conversation-started", data.started("other")),
      ...run.row("session/child-started", { childSessionId: "c-1", chartId: "scan", parentInvokeId: "lead" }),
      ...run.row("session/child-started", { childSessionId: "c-2", chartId: "scan" }),
      // A child's own conversations, as the parent's transcript mirrors them.
      ...run.row("llm/conversation-started", data.started("c-1/scanner")),
      ...run.row("llm/conversation-started", data.started("c-2/scanner")),
      ...run.row("session/child-done", { childSessionId: "c-1", status: "done" }),
    ]);
    expect(liveRows(state).map((r) => [r.key, r.depth, r.kind === "conversation" ? r.label : ""])).toEqual([
      ["lead", 0, "lead"],
      ["child:c-1", 1, ""],
      ["c-1/scanner", 2, "scanner"],
      ["other", 0, "other"],
      ["child:c-2", 0, ""],
      ["c-2/scanner", 1, "scanner"],
    ]);
    expect(state.children.get("c-1")?.status).toBe("done");
  });

  test("only the newest ended conversations are kept", () => {
    const run = scriptedRun();
    const frames = [run.hello()];
    for (let i = 0; i < 10; i++) {
      frames.push(...run.row("llm/conversation-started", data.started(`c${i}`)));
      frames.push(...run.row("llm/conversation-ended", data.ended(`c${i}`)));
    }
    frames.push(...run.row("llm/conversation-started", data.started("live")));
    const state = applyFrames(initialViewState({ endedConversations: 3 }), frames);
    expect([...state.conversations.keys()]).toEqual(["c7", "c8", "c9", "live"]);
    expect(liveCount(state)).toBe(1);
  });

  test("the log stays bounded over a long run", () => {
    const run = scriptedRun();
    const frames = [run.hello()];
    for (let i = 0; i < 5_000; i++) frames.push(...run.row("checkpoint/written", { seq: i, kind: "journal" }, 1));
    const state = applyFrames(initialViewState({ logCapacity: 1_000 }), frames);
    expect(logRowCount(state)).toBeLessThan(1_000 + 128);
    expect(logPage(state, 1)[0]?.text).toBe("checkpoint journal @4999");
  });
});
