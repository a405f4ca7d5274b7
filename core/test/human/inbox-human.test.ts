/**
 * The inbox as a run's human: an answer posted to the session's inbox is taken by the prompt it
 * names, checked as every answer is; one the prompt's schema refuses (posted straight to the inbox,
 * past `answerPrompt`'s check) is reported and the next one waited for; an answer to a prompt
 * nobody asks is reported and skipped. Parallel prompts each take their own answer.
 */
import { describe, expect, it } from "vitest";
import { setup } from "xstate";
import { defineChart } from "../../src/engine/index.js";
import { runChart } from "../../src/engine/runner.js";
import { askHuman } from "../../src/chart/human-input.js";
import { inlineActors } from "../../src/chart/index.js";
import { InboxHuman } from "../../src/human/index.js";
import { scriptedModel } from "../../src/llm/scripted-model.js";
import { sequentialIds } from "../../src/runtime/ids.js";
import type { TranscriptRow } from "../../src/runtime/transcript-row.js";
import { memoryStore } from "../../src/store/index.js";

const machine = setup({ actors: inlineActors }).createMachine({
  id: "two",
  type: "parallel",
  states: {
    left: {
      initial: "asking",
      states: {
        asking: { invoke: { ...askHuman({ id: "count", kind: "select", message: "How many?", options: ["one", "two"] }), onDone: "done" } },
        done: { type: "final" },
      },
    },
    right: {
      initial: "asking",
      states: { asking: { invoke: { ...askHuman({ id: "sure", kind: "confirm", message: "Sure?" }), onDone: "done" } }, done: { type: "final" } },
    },
  },
});
const chart = defineChart({ id: "two", machine });

describe("InboxHuman", () => {
  it("takes each prompt's answer from the inbox, reporting and skipping what it cannot take", async () => {
    const store = memoryStore();
    const rejected: string[] = [];
    const human = new InboxHuman({ inbox: store.inbox!, sessionId: "two-session-1", onReject: (promptId, reason) => rejected.push(`${promptId}: ${reason}`) });
    const running = runChart({ chart, model: scriptedModel([]), store, ids: sequentialIds("two"), human });
    const rows = async (): Promise<TranscriptRow[]> => {
      const out: TranscriptRow[] = [];
      for await (const row of store.rows("two-session-1")) out.push(row);
      return out;
    };
    while ((await rows().catch(() => [])).filter((row) => row.event === "human-input/requested").length < 2)
      await new Promise((resolve) => setTimeout(resolve, 2));

    const inbox = store.inbox!;
    await inbox.post("two-session-1", { kind: "answer", promptId: "nobody", answer: { value: 1 } });
    await inbox.post("two-session-1", { kind: "answer", promptId: "count", answer: { value: "three" } });
    await inbox.post("two-session-1", { kind: "control", control: { command: "pause" } });
    await inbox.post("two-session-1", { kind: "answer", promptId: "sure", answer: { value: true } });
    await inbox.post("two-session-1", { kind: "answer", promptId: "count", answer: { value: "two" } });

    const result = await running;
    expect(result.status).toBe("done");
    expect(rejected).toEqual(['nobody: no prompt "nobody" is waiting for an answer', expect.stringMatching(/^count: .+/)]);
    const answered = (await rows()).filter((row) => row.event === "human-input/answered").map((row) => row.data);
    expect(answered).toEqual(
      expect.arrayContaining([
        { promptId: "sure", value: true },
        { promptId: "count", value: "two" },
      ]),
    );
    expect(answered).toHaveLength(2);
    expect(human.cursor).toBe(5);
  });

  it("names no session until run() or attach() gives it one", async () => {
    const store = memoryStore();
    const human = new InboxHuman({ inbox: store.inbox! });
    const ask = human.ask({ promptId: "p", invokeId: "p", kind: "text", message: "?", schema: {} }, new AbortController().signal);
    await expect(ask).rejects.toThrow('prompt "p": this InboxHuman names no session (give sessionId, or run it through run())');
  });
});
