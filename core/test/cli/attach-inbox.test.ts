/**
 * What attach does with a renderer's `answer` and `control` frames (attach-inbox.ts): checked
 * against the session as its rows show it, refused as the run's own wire server would refuse them,
 * and otherwise posted to the session's inbox (a memory inbox here).
 */
import { describe, expect, it } from "vitest";
import { PROTOCOL_MAJOR, type DebugState, type ErrorFrameInput, type Prompt } from "@escapement/wire-schema";
import { controlPoster, InboxHuman, type AttachedView } from "../../src/cli/commands/attach-inbox.js";
import { memoryInbox } from "../../src/store/index.js";

const confirm: Prompt = { promptId: "approve", invokeId: "approve", kind: "confirm", message: "Send?", schema: { type: "boolean" } };

const viewOf = (state: { prompts?: Prompt[]; debug?: Partial<DebugState>; ended?: boolean }): AttachedView => ({
  prompts: () => new Map((state.prompts ?? []).map((prompt) => [prompt.promptId, prompt])),
  debug: () => ({ paused: false, mode: "run", stepBudget: 0, ...state.debug }),
  ended: () => state.ended ?? false,
});

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

describe("answers from an attached renderer", () => {
  it("posts a valid answer for an open prompt, once; refuses one for a prompt not open, and an invalid one", async () => {
    const inbox = memoryInbox();
    const human = new InboxHuman((message) => inbox.post("s", message), viewOf({ prompts: [confirm] }));
    const replies: ErrorFrameInput[] = [];
    const reply = (error: ErrorFrameInput) => void replies.push(error);

    human.answer({ v: PROTOCOL_MAJOR, kind: "answer", id: "a0", promptId: "approve", value: "yes" }, reply);
    expect(replies).toMatchObject([{ code: "invalid-answer", path: "/value", inReplyTo: "a0", fatal: false }]);
    human.answer({ v: PROTOCOL_MAJOR, kind: "answer", id: "a1", promptId: "nope", value: true }, reply);
    expect(replies[1]).toMatchObject({ code: "unknown-prompt", inReplyTo: "a1" });
    human.answer({ v: PROTOCOL_MAJOR, kind: "answer", id: "a2", promptId: "approve", value: true }, reply);
    // A second answer before the run's row for the first: refused, as for a prompt no longer open.
    human.answer({ v: PROTOCOL_MAJOR, kind: "answer", id: "a3", promptId: "approve", cancelled: true }, reply);
    expect(replies[2]).toMatchObject({ code: "unknown-prompt", inReplyTo: "a3" });
    await settle();
    expect((await inbox.read("s", 0)).map((entry) => entry.message)).toEqual([{ kind: "answer", promptId: "approve", answer: { value: true } }]);
  });

  it("answers a prompt asked again (its id reused), and nothing once the session ended", async () => {
    const inbox = memoryInbox();
    const state: { prompts: Prompt[]; ended: boolean } = { prompts: [confirm], ended: false };
    const human = new InboxHuman((message) => inbox.post("s", message), viewOf(state));
    const replies: ErrorFrameInput[] = [];
    human.answer({ v: PROTOCOL_MAJOR, kind: "answer", promptId: "approve", value: true }, (error) => void replies.push(error));
    state.prompts = [{ ...confirm }];
    human.answer({ v: PROTOCOL_MAJOR, kind: "answer", promptId: "approve", value: false }, (error) => void replies.push(error));
    state.prompts = [{ ...confirm }];
    state.ended = true;
    human.answer({ v: PROTOCOL_MAJOR, kind: "answer", id: "late", promptId: "approve", value: true }, (error) => void replies.push(error));
    await settle();
    expect(replies).toMatchObject([{ code: "unknown-prompt", inReplyTo: "late" }]);
    expect((await inbox.read("s", 0)).map((entry) => entry.message)).toEqual([
      { kind: "answer", promptId: "approve", answer: { value: true } },
      { kind: "answer", promptId: "approve", answer: { value: false } },
    ]);
  });

  it("posts a cancel, and tells the renderer when the inbox refused the answer", async () => {
    const inbox = memoryInbox();
    const cancelling = new InboxHuman((message) => inbox.post("s", message), viewOf({ prompts: [confirm] }));
    cancelling.answer({ v: PROTOCOL_MAJOR, kind: "answer", promptId: "approve", cancelled: true }, () => {});
    await settle();
    expect((await inbox.read("s", 0)).map((entry) => entry.message)).toEqual([{ kind: "answer", promptId: "approve", answer: { cancelled: true } }]);

    const replies: ErrorFrameInput[] = [];
    const failing = new InboxHuman(() => Promise.reject(new Error("connection lost")), viewOf({ prompts: [confirm] }));
    failing.answer({ v: PROTOCOL_MAJOR, kind: "answer", id: "b1", promptId: "approve", value: false }, (error) => void replies.push(error));
    await settle();
    expect(replies).toMatchObject([{ code: "internal", inReplyTo: "b1" }]);
    expect(replies[0]!.message).toContain("connection lost");
  });
});

describe("debugger control from an attached renderer", () => {
  it("posts a control that makes sense for the debugger's state; refuses one that does not, posting nothing", async () => {
    const inbox = memoryInbox();
    const failures: string[] = [];
    const post = (message: Parameters<typeof inbox.post>[1]) => inbox.post("s", message);
    const running = controlPoster(post, viewOf({}), (line) => failures.push(line));
    const paused = controlPoster(post, viewOf({ debug: { paused: true, reason: "pause requested" } }), (line) => failures.push(line));
    const over = controlPoster(post, viewOf({ ended: true }), (line) => failures.push(line));

    expect(running({ v: PROTOCOL_MAJOR, kind: "control", action: "step" })).toMatchObject({ ok: false, error: { code: "invalid-control" } });
    expect(running({ v: PROTOCOL_MAJOR, kind: "control", action: "continue" })).toMatchObject({ ok: false });
    expect(paused({ v: PROTOCOL_MAJOR, kind: "control", action: "pause" })).toMatchObject({ ok: false });
    expect(over({ v: PROTOCOL_MAJOR, kind: "control", action: "pause" })).toMatchObject({ ok: false, error: { message: "/action: pause: the run is over" } });

    expect(running({ v: PROTOCOL_MAJOR, kind: "control", action: "pause" })).toEqual({ ok: true });
    expect(paused({ v: PROTOCOL_MAJOR, kind: "control", action: "step", n: 2 })).toEqual({ ok: true });
    expect(running({ v: PROTOCOL_MAJOR, kind: "control", action: "interrupt" })).toEqual({ ok: true });
    await settle();
    expect((await inbox.read("s", 0)).map((entry) => entry.message)).toEqual([
      { kind: "control", control: { action: "pause" } },
      { kind: "control", control: { action: "step", n: 2 } },
      { kind: "control", control: { action: "interrupt" } },
    ]);
    expect(failures).toEqual([]);
  });
});
