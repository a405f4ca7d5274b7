/** `m` in the whole app: a message for the conversation selected in LIVE, its refusal, and where it is not offered. */
import { afterEach, describe, expect, test } from "bun:test";
import type { OutboundFrame } from "@escapement/wire-schema";
import { data, scriptedRun } from "../support/frames.ts";
import { renderApp } from "../support/render.tsx";

type Rendered = Awaited<ReturnType<typeof renderApp>>;
let current: Rendered | undefined;
afterEach(() => {
  current?.renderer.destroy();
  current = undefined;
});
const render = async (...args: Parameters<typeof renderApp>) => (current = await renderApp(...args));
const size = { width: 100, height: 30 };
const connected = { status: { state: "connected" } as const };
const WITH_STEER = ["resume", "snapshot", "answer", "control", "coalesce-deltas", "steer"];

/** A live run: `draft` ended, `review` streaming (selected in LIVE: the newest live one). */
const running = (capabilities = WITH_STEER, replay = false) => {
  const run = scriptedRun(undefined, replay);
  const frames: OutboundFrame[] = [
    { ...run.hello(), replay, heartbeatMs: replay ? 0 : 5000, capabilities } as OutboundFrame,
    ...run.row("runner/started", { sessionId: "s-1", runId: "run-1", chartId: "demo", resumed: false }),
    ...run.row("llm/conversation-started", data.started("draft")),
    ...run.row("llm/request", data.request("draft", 1)),
    ...run.row("llm/response", data.response("draft", 1, 12)),
    ...run.row("llm/conversation-ended", data.ended("draft")),
    ...run.row("llm/conversation-started", data.started("review")),
    ...run.row("llm/request", data.request("review", 1)),
    ...run.row("llm/delta", data.delta("review", 1, "Looking at the draft")),
  ];
  return { run, frames };
};

const footer = (app: Rendered) => app.captureCharFrame().trimEnd().split("\n").at(-1) ?? "";

describe("m messages the conversation selected in LIVE", () => {
  test("the footer names m; m, typing and Enter send a steer frame for the selected conversation; the LOG shows it queued, then delivered", async () => {
    const { run, frames } = running();
    const app = await render(frames, size, connected);
    expect(footer(app)).toContain("m message");
    await app.keys("m");
    expect(footer(app)).toContain("message → review: ▏  Enter send · Esc cancel");
    // While typing, keys are text: q and p neither quit nor pause.
    await app.type("Keep it short, quip");
    await app.keys("backspace", "backspace", "backspace", "backspace", "backspace", "backspace");
    expect(footer(app)).toContain("message → review: Keep it short▏");
    await app.keys("return");
    expect(app.calls).toEqual([]);
    expect(app.steers).toEqual([{ id: "steer-1", conversation: "review", text: "Keep it short" }]);
    expect(footer(app)).toContain("message sent to review");
    await app.push(...run.row("llm/steer-queued", { invokeId: "review", steerId: "st-1", from: "renderer", snippet: "Keep it short" }));
    await app.push(...run.row("llm/steer-injected", { invokeId: "review", steerId: "st-1", turn: 2 }));
    const frame = app.captureCharFrame();
    expect(frame).toContain('steer → review: "Keep it short"');
    expect(frame).toContain("steer delivered to review (turn 2)");
  });

  test("the selection decides the conversation; an ended one is not offered, and the footer says why", async () => {
    const { frames } = running();
    const app = await render(frames, size, connected);
    await app.keys("up", "m");
    expect(footer(app)).toContain("draft has ended: only a live conversation takes a message");
    await app.type("x");
    expect(app.steers).toEqual([]);
  });

  test("Esc drops the message, and so does Enter on an empty one: nothing is sent", async () => {
    const { frames } = running();
    const app = await render(frames, size, connected);
    await app.keys("m");
    await app.type("never mind");
    await app.keys("escape");
    await app.keys("m", "return");
    expect(app.steers).toEqual([]);
    expect(app.calls).toEqual([]);
    expect(footer(app)).not.toContain("message →");
  });

  test("a refusal in reply to the message is named in the footer until the next key", async () => {
    const { frames } = running();
    const app = await render(frames, size, connected);
    await app.keys("m");
    await app.type("Be kind");
    await app.keys("return");
    await app.push({
      v: 1,
      kind: "error",
      seq: 0,
      code: "invalid-steer",
      path: "/conversation",
      message: "/conversation: review is not live",
      fatal: false,
      inReplyTo: "steer-1",
    });
    expect(footer(app)).toContain("message to review not taken: invalid-steer: /conversation: review is not live");
    await app.keys("down");
    expect(footer(app)).not.toContain("not taken");
  });

  test("a message that could not be sent says so, and m brings it back", async () => {
    const { frames } = running();
    const app = await render(frames, size, {
      status: { state: "reconnecting", attempt: 1, retryInMs: 250, reason: "lost", giveUpAt: 0 },
      actions: { steer: () => false },
    });
    await app.keys("m");
    await app.type("Hurry");
    await app.keys("return");
    expect(footer(app)).toContain("message not sent: not connected (reconnecting); m brings it back");
    await app.keys("m");
    expect(footer(app)).toContain("message → review: Hurry▏");
  });

  test("not offered by a core without the steer capability, nor in a replay: m says why and the footer does not name it", async () => {
    const old = await render(running(WITH_STEER.slice(0, -1)).frames, size, connected);
    expect(footer(old)).not.toContain("m message");
    await old.keys("m");
    expect(footer(old)).toContain("this core takes no messages (no steer capability)");
    old.renderer.destroy();
    const replay = await render(running(["resume", "snapshot"], true).frames, size);
    expect(footer(replay)).not.toContain("m message");
    await replay.keys("m");
    expect(footer(replay)).toContain("REPLAY: a recorded conversation takes no messages");
    expect(replay.steers).toEqual([]);
  });
});
