import { describe, expect, test } from "bun:test";
import type { OutboundFrame } from "@escapement/wire-schema";
import {
  applyFrame,
  applyFrames,
  applyLocal,
  initialViewState,
  lastRefusedSteer,
  steerTarget,
  STEERS_KEPT,
  summarize,
  type ViewState,
} from "../../src/domain/index.ts";
import { logRowOf } from "../../src/domain/log-row.ts";
import { data, scriptedRun } from "../support/frames.ts";

const CAPABILITIES = ["resume", "snapshot", "answer", "control", "coalesce-deltas", "steer"];

/** A live run whose core takes messages: `draft` running, `review` ended. */
const live = (capabilities = CAPABILITIES, replay = false): ViewState => {
  const run = scriptedRun(undefined, replay);
  const frames: OutboundFrame[] = [
    { ...run.hello(), replay, heartbeatMs: replay ? 0 : 5000, capabilities } as OutboundFrame,
    ...run.row("runner/started", { sessionId: "s-1", runId: "run-1", chartId: "demo", resumed: false }),
    ...run.row("llm/conversation-started", data.started("review")),
    ...run.row("llm/conversation-ended", data.ended("review")),
    ...run.row("llm/conversation-started", data.started("draft")),
    ...run.row("llm/request", data.request("draft", 1)),
  ];
  return applyFrames(initialViewState(), frames);
};

const error = (inReplyTo: string | undefined, code = "invalid-steer"): OutboundFrame => ({
  v: 1,
  kind: "error",
  seq: 0,
  code,
  path: "/conversation",
  message: "/conversation: draft is not live",
  fatal: false,
  ...(inReplyTo === undefined ? {} : { inReplyTo }),
});

describe("messages for conversations", () => {
  test("a live conversation of a core that takes messages is a target; the reasons it is not", () => {
    const state = live();
    expect(steerTarget(state, state.conversations.get("draft"))).toEqual({ ok: true, conversation: "draft" });
    expect(steerTarget(state, state.conversations.get("review"))).toEqual({ ok: false, why: "review has ended: only a live conversation takes a message" });
    expect(steerTarget(state, undefined)).toMatchObject({ ok: false, why: expect.stringContaining("select a conversation in LIVE") });
    const old = live(CAPABILITIES.slice(0, -1));
    expect(steerTarget(old, old.conversations.get("draft"))).toEqual({ ok: false, why: "this core takes no messages (no steer capability)" });
    const replay = live(["resume", "snapshot"], true);
    expect(steerTarget(replay, replay.conversations.get("draft"))).toMatchObject({ ok: false, why: expect.stringMatching(/^REPLAY/) });
    const over = applyFrame(state, { v: 1, kind: "run-finished", seq: state.seq + 1, rowSeq: state.rowSeq, status: "done", finalConfig: ["end"] });
    expect(steerTarget(over, over.conversations.get("draft"))).toMatchObject({ ok: false, why: expect.stringContaining("the run is over") });
  });

  test("an error in reply to a message marks it refused, with the core's reason; other errors leave it sent", () => {
    let state = applyLocal(live(), { kind: "steer-sent", id: "steer-1", conversation: "draft" });
    state = applyLocal(state, { kind: "steer-sent", id: "steer-2", conversation: "draft" });
    state = applyFrame(state, error(undefined));
    state = applyFrame(state, error("ans-1", "unknown-prompt"));
    expect(state.steers.map((s) => s.status)).toEqual(["sent", "sent"]);
    expect(lastRefusedSteer(state.steers)).toBeUndefined();
    state = applyFrame(state, error("steer-2"));
    expect(state.steers.map((s) => s.status)).toEqual(["sent", "refused"]);
    expect(lastRefusedSteer(state.steers)).toEqual({
      id: "steer-2",
      conversation: "draft",
      status: "refused",
      error: { code: "invalid-steer", message: "/conversation: draft is not live" },
    });
    // The refusal is a wire error like any other: it is in the LOG too.
    expect(state.wireErrors.at(-1)).toMatchObject({ code: "invalid-steer" });
  });

  test("only the newest messages are kept", () => {
    let state = live();
    for (let i = 1; i <= STEERS_KEPT + 5; i++) state = applyLocal(state, { kind: "steer-sent", id: `steer-${i}`, conversation: "draft" });
    expect(state.steers).toHaveLength(STEERS_KEPT);
    expect(state.steers.at(-1)?.id).toBe(`steer-${STEERS_KEPT + 5}`);
  });
});

describe("steer rows in the LOG", () => {
  const at = (event: string, rowData: unknown) => ({ seq: 9, ts: 1, event, data: rowData });

  test("a queued message names its conversation and its words; who sent it when not a renderer", () => {
    const queued = { invokeId: "draft", steerId: "st-1", from: "renderer", snippet: "Keep it short" };
    expect(summarize(at("llm/steer-queued", queued))).toBe('steer → draft: "Keep it short"');
    expect(summarize(at("llm/steer-queued", { ...queued, from: "host" }))).toBe('steer → draft (from host): "Keep it short"');
    const long = logRowOf(at("llm/steer-queued", { ...queued, ref: "io/draft/steer-st-1.txt" }));
    expect(long).toMatchObject({ lane: "llm", invokeId: "draft", ref: "io/draft/steer-st-1.txt" });
  });

  test("a delivered message names the turn that holds it", () => {
    expect(summarize(at("llm/steer-injected", { invokeId: "draft", steerId: "st-1", turn: 6 }))).toBe("steer delivered to draft (turn 6)");
  });

  test("a compaction says how much shorter the history got", () => {
    const compacted = {
      invokeId: "draft",
      turn: 7,
      reason: "threshold",
      tokensBefore: 6400,
      tokensAfter: 1200,
      messagesBefore: 24,
      messagesAfter: 5,
      ref: "io.jsonl#offset=0&length=9",
    };
    expect(summarize(at("llm/compacted", compacted))).toBe("draft compacted: 24 → 5 messages, ~6400 → ~1200 tokens");
    expect(summarize(at("llm/compacted", { ...compacted, reason: "requested" }))).toBe("draft compacted on request: 24 → 5 messages, ~6400 → ~1200 tokens");
  });
});
