import { describe, expect, it } from "vitest";
import { RecordedHuman, recordedAnswers, ScriptedHuman, type PromptRequest } from "../../src/human/index.js";

const rows = [
  { event: "human-input/requested", data: { promptId: "name", kind: "text", message: "Who?" } },
  { event: "human-input/answered", data: { promptId: "name", value: "Ada" } },
  { event: "human-input/answered", data: { promptId: "name", value: "Grace" } },
  // Withdrawn (its state was left): not the human's doing, so nothing to give back.
  { event: "human-input/cancelled", data: { promptId: "tone", reason: "withdrawn" } },
  { event: "human-input/cancelled", data: { promptId: "approve" } },
  // A fleet child's prompt, mirrored into the parent's transcript.
  { event: "human-input/answered", data: { promptId: "name", value: "Lin", childSessionId: "poets-2", childSeq: 4 } },
];

const ask = (promptId: string): PromptRequest => ({ promptId, invokeId: promptId, kind: "text", message: promptId, schema: {} });

describe("recorded human answers", () => {
  it("gives back each prompt's recorded answers in order, its cancels, and a child's by its prefixed id", async () => {
    const answers = recordedAnswers(rows);
    expect([...answers]).toEqual([
      ["name", [{ value: "Ada" }, { value: "Grace" }]],
      ["approve", [{ cancelled: true }]],
      ["poets-2/name", [{ value: "Lin" }]],
    ]);
    const fallback = new ScriptedHuman([{ value: "from the human" }]);
    const human = new RecordedHuman(answers, fallback);
    const signal = new AbortController().signal;
    expect(await human.ask(ask("name"), signal)).toEqual({ value: "Ada" });
    expect(await human.ask(ask("name"), signal)).toEqual({ value: "Grace" });
    expect(await human.ask(ask("approve"), signal)).toEqual({ cancelled: true });
    expect(await human.ask(ask("poets-2/name"), signal)).toEqual({ value: "Lin" });
    // None left for it: the human is asked.
    expect(await human.ask(ask("name"), signal)).toEqual({ value: "from the human" });
    expect(fallback.asked.map((request) => request.promptId)).toEqual(["name"]);
  });
});
