import { describe, expect, test } from "bun:test";
import type { OutboundFrame } from "@escapement/wire-schema";
import { applyFrame, applyFrames, applyLocal, initialViewState, runStatus, type ViewState } from "../../src/domain/index.ts";
import { scriptedRun } from "../support/frames.ts";

const ask = (promptId: string, kind = "text") => ({
  promptId,
  invokeId: `ask-${promptId}`,
  kind,
  message: `${promptId}?`,
  schema: { type: "string" },
});

const withPrompts = () => {
  const run = scriptedRun();
  const state = applyFrames(initialViewState(), [
    run.hello(),
    ...run.row("human-input/requested", ask("p-1")),
    ...run.row("human-input/requested", ask("p-2")),
  ]);
  return { run, state };
};

const error = (code: string, extra: Partial<Extract<OutboundFrame, { kind: "error" }>> = {}): OutboundFrame => ({
  v: 1,
  kind: "error",
  seq: 0,
  code,
  path: "/value",
  message: `/value: ${code}`,
  fatal: false,
  ...extra,
});

const sent = (state: ViewState, promptId: string, id: string) => applyLocal(state, { kind: "answer-sent", id, promptId, cancelled: false });

describe("answers", () => {
  test("an answer sent waits for prompt-closed", () => {
    const { state } = withPrompts();
    const next = sent(state, "p-1", "ans-1");
    expect(next.answers.get("p-1")).toEqual({ id: "ans-1", promptId: "p-1", cancelled: false, status: "sending" });
  });

  test("an invalid-answer error naming the answer's id refuses it, with the path and reason", () => {
    const { state } = withPrompts();
    const next = applyFrame(
      sent(sent(state, "p-1", "ans-1"), "p-2", "ans-2"),
      error("invalid-answer", { inReplyTo: "ans-2", message: "/value: must be string" }),
    );
    expect(next.answers.get("p-2")).toMatchObject({ status: "rejected", error: { code: "invalid-answer", path: "/value", message: "/value: must be string" } });
    expect(next.answers.get("p-1")?.status).toBe("sending");
  });

  test("an answer error without inReplyTo goes to the only answer waiting, else to none", () => {
    const { state } = withPrompts();
    const one = applyFrame(sent(state, "p-1", "ans-1"), error("invalid-answer"));
    expect(one.answers.get("p-1")?.status).toBe("rejected");
    const two = applyFrame(sent(sent(state, "p-1", "ans-1"), "p-2", "ans-2"), error("invalid-answer"));
    expect([...two.answers.values()].map((a) => a.status)).toEqual(["sending", "sending"]);
    const other = applyFrame(sent(state, "p-1", "ans-1"), error("too-large"));
    expect(other.answers.get("p-1")?.status).toBe("sending");
  });

  test("an answer that could not be sent is refused at once", () => {
    const { state } = withPrompts();
    const next = applyLocal(state, { kind: "answer-not-sent", id: "ans-1", promptId: "p-1", cancelled: true, reason: "not connected" });
    expect(next.answers.get("p-1")).toMatchObject({ status: "rejected", cancelled: true, error: { code: "not-sent", message: "not connected" } });
  });

  test("prompt-closed settles the prompt's answer; run-finished closes every prompt", () => {
    const { run, state } = withPrompts();
    const both = sent(sent(state, "p-1", "ans-1"), "p-2", "ans-2");
    const closed = applyFrames(both, run.row("human-input/answered", { promptId: "p-1", value: "x" }));
    expect([...closed.answers.keys()]).toEqual(["p-2"]);
    const done = applyFrames(closed, run.row("runner/done", { finalConfig: ["demo"], status: "aborted" }));
    expect(done.prompts).toEqual([]);
    expect(done.answers.size).toBe(0);
  });

  test("a parked run's end keeps its prompts open to answer, and shows the run parked", () => {
    const { run, state } = withPrompts();
    const parked = applyFrames(state, run.row("runner/done", { finalConfig: ["demo"], status: "aborted", parked: { prompts: ["p-1", "p-2"] } }));
    expect(parked.prompts.map((p) => p.promptId)).toEqual(["p-1", "p-2"]);
    expect(runStatus(parked)).toBe("parked");
    const answered = sent(parked, "p-1", "ans-1");
    expect(answered.answers.get("p-1")?.status).toBe("sending");
  });

  test("a snapshot keeps the answers of prompts it still lists", () => {
    const { run, state } = withPrompts();
    const both = sent(sent(state, "p-1", "ans-1"), "p-2", "ans-2");
    run.row("human-input/cancelled", { promptId: "p-1" });
    const next = applyFrame(both, run.snapshot());
    expect(next.prompts.map((p) => p.promptId)).toEqual(["p-2"]);
    expect([...next.answers.keys()]).toEqual(["p-2"]);
  });
});
