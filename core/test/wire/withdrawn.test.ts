import { describe, expect, it } from "vitest";
import { setup } from "xstate";
import { askHuman, inlineActors } from "../../src/chart/index.js";
import { WireHub, WireHuman } from "../../src/wire/index.js";
import { rowsOf, runScripted } from "../chart/helpers.js";

/** A prompt whose state is left by a timer before anyone answers; the run goes on a little. */
const chart = setup({ actors: inlineActors }).createMachine({
  id: "withdrawn",
  initial: "asking",
  states: {
    asking: {
      invoke: { ...askHuman({ id: "q", kind: "text", message: "Anyone?" }), onDone: "answered" },
      after: { 80: "waiting" },
    },
    waiting: { after: { 50: "gaveUp" } },
    answered: { type: "final" },
    gaveUp: { type: "final" },
  },
});

describe("a prompt withdrawn because its state was left", () => {
  it("is closed for renderers (prompt-closed, cancelled, reason withdrawn) and answers to it get unknown-prompt", async () => {
    const hub = new WireHub();
    const human = new WireHuman();
    const { result, rows } = await runScripted({ chart, human, taps: [hub.ingest] });
    expect(result.finalConfig).toEqual(["gaveUp"]);
    expect(rowsOf(rows, "human-input/cancelled").map((row) => row.data)).toEqual([{ promptId: "q", reason: "withdrawn" }]);
    const frames = hub.framesSince(0)!;
    expect(frames.find((frame) => frame.kind === "prompt-closed")).toMatchObject({ promptId: "q", outcome: "cancelled" });
    expect(human.openPrompts).toEqual([]);
    const replies: string[] = [];
    human.answer({ v: 1, kind: "answer", promptId: "q", value: "late" }, (error) => replies.push(error.code));
    expect(replies).toEqual(["unknown-prompt"]);
  });
});
