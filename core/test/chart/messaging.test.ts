import { describe, expect, it } from "vitest";
import { setup } from "xstate";
import { z } from "zod";
import { converse, tellLlm, inlineActors } from "../../src/chart/index.js";
import { scriptedModel, type ContentBlock } from "../../src/llm/index.js";
import { callsOf, processed, rowsOf, runScripted } from "./helpers.js";

const done = (name: string) => ({ [name]: { schema: z.object({}), description: `${name}` } });

const toolResults = (blocks: readonly ContentBlock[]) =>
  blocks.filter((block): block is Extract<ContentBlock, { type: "tool-result" }> => block.type === "tool-result");

describe("one conversation messages another", () => {
  const pairChart = (writerPeers: string[]) =>
    setup({ actors: inlineActors }).createMachine({
      id: "peers",
      initial: "work",
      states: {
        work: {
          type: "parallel",
          onDone: "done",
          states: {
            writer: {
              initial: "talking",
              states: {
                talking: {
                  invoke: converse({ id: "writer", message: "write a draft", realTools: [], peers: writerPeers, allowedEvents: done("draft.done") }),
                  on: { "draft.done": "finished" },
                },
                finished: { type: "final" },
              },
            },
            critic: {
              initial: "talking",
              states: {
                // No first message: the critic waits until somebody tells it something.
                talking: { invoke: converse({ id: "critic", realTools: [], allowedEvents: done("review.done") }), on: { "review.done": "finished" } },
                finished: { type: "final" },
              },
            },
          },
        },
        done: { type: "final" },
      },
    });

  it("delivers a message_conversation call to the target, which then takes a turn", async () => {
    const model = scriptedModel({
      byState: {
        "work.writer.talking": [
          { toolCalls: [{ name: "message_conversation", input: { target: "critic", text: "please review: DRAFT-1" } }] },
          { events: [{ name: "draft_done" }] },
        ],
        "work.critic.talking": [{ events: [{ name: "review_done" }], firstTokenMs: 20 }],
      },
    });
    const { result, rows } = await runScripted({ chart: pairChart(["critic"]), model });

    expect(result.status).toBe("done");
    model.assertComplete();
    expect(callsOf(model, "writer")[0]!.tools.map((tool) => tool.name)).toContain("message_conversation");
    // The critic's only turn was prompted by the writer's message, attributed to the writer.
    const critic = callsOf(model, "critic");
    expect(critic).toHaveLength(1);
    expect(critic[0]!.messages).toEqual([{ role: "user", content: [{ type: "text", text: "[message from writer]\nplease review: DRAFT-1" }] }]);
    // The critic has no peers, so it is not offered the tool.
    expect(critic[0]!.tools.map((tool) => tool.name)).not.toContain("message_conversation");
    // The writer learns the message was delivered.
    const writerTurn2 = callsOf(model, "writer")[1]!;
    expect(toolResults(writerTurn2.messages.at(-1)!.content)).toEqual([
      { type: "tool-result", toolCallId: "call_1", name: "message_conversation", output: "delivered" },
    ]);
    expect(rowsOf(rows, "llm/tool-result", { invokeId: "writer", name: "message_conversation", isError: false })).toHaveLength(1);
  });

  it("refuses a target that is not a peer, and tells the model why", async () => {
    const model = scriptedModel({
      byState: {
        "work.writer.talking": [
          { toolCalls: [{ name: "message_conversation", input: { target: "critic", text: "psst" } }] },
          { events: [{ name: "draft_done" }] },
        ],
        "work.critic.talking": [{ events: [{ name: "review_done" }] }],
      },
    });
    // The writer may message only "editor" (not live in this chart), not the critic.
    const controller = new AbortController();
    const { result, rows } = await runScripted({
      chart: pairChart(["editor"]),
      model,
      signal: controller.signal,
      taps: [
        (batch) => {
          // The critic is never told anything, so it never finishes: stop once the writer is done.
          if (batch.some((row) => row.event === "runner/event-processed" && (row.data as { event: string }).event === "draft.done")) {
            setTimeout(() => controller.abort(), 30);
          }
        },
      ],
    });

    expect(result.status).toBe("aborted");
    expect(callsOf(model, "critic")).toHaveLength(0);
    const result1 = toolResults(callsOf(model, "writer")[1]!.messages.at(-1)!.content)[0]!;
    expect(result1.isError).toBe(true);
    expect(result1.output).toContain('"critic" is not a peer');
    expect(rowsOf(rows, "llm/tool-result", { invokeId: "writer", isError: true })).toHaveLength(1);
  });
});

describe("tellLlm", () => {
  it("a message told while a turn is in flight is delivered with the next turn, after the reply", async () => {
    const machine = setup({ actors: inlineActors }).createMachine({
      id: "tell-in-flight",
      initial: "talking",
      states: {
        talking: {
          invoke: converse({ id: "c", message: "start", realTools: [], allowedEvents: done("finish") }),
          after: { 40: { actions: tellLlm("c", "interjection") } },
          on: { finish: "done" },
        },
        done: { type: "final" },
      },
    });
    const model = scriptedModel([{ text: "first answer", firstTokenMs: 200 }, { events: [{ name: "finish" }] }]);
    const { result, rows } = await runScripted({ chart: machine, model });

    expect(result.status).toBe("done");
    expect(model.calls).toHaveLength(2);
    // Turn 1 was built before the message arrived, and went on undisturbed.
    expect(model.calls[0]!.messages).toHaveLength(1);
    expect(rowsOf(rows, "llm/response", { turn: 1 })).toHaveLength(1);
    expect(model.calls[1]!.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "start" }] },
      { role: "assistant", content: [{ type: "text", text: "first answer" }] },
      { role: "user", content: [{ type: "text", text: "interjection" }] },
    ]);
  });

  it("a message told to an idle conversation starts its next turn at once", async () => {
    const machine = setup({ actors: inlineActors, types: { context: {} as { topic: string } } }).createMachine({
      id: "tell-idle",
      context: { topic: "tides" },
      initial: "talking",
      states: {
        talking: {
          invoke: converse({ id: "c", message: "start", realTools: [], allowedEvents: done("finish") }),
          after: { 100: { actions: tellLlm("c", ({ context }: { context: { topic: string } }) => `now about ${context.topic}`) } },
          on: { finish: "done" },
        },
        done: { type: "final" },
      },
    });
    const model = scriptedModel([{ text: "waiting" }, { events: [{ name: "finish" }] }]);
    const { result, rows } = await runScripted({ chart: machine, model });

    expect(result.status).toBe("done");
    expect(model.calls[1]!.messages.at(-1)).toEqual({ role: "user", content: [{ type: "text", text: "now about tides" }] });
    // Turn 1 ended idle (llm.idle), and turn 2 followed the tell.
    expect(processed(rows, "llm.idle")).toHaveLength(1);
    const idleAt = rows.find((row) => row.event === "runner/event-processed" && (row.data as { event: string }).event === "llm.idle")!.seq;
    const tellAt = rows.find((row) => row.event === "runner/event-processed" && (row.data as { event: string }).event.startsWith("xstate.after"))!.seq;
    expect(idleAt).toBeLessThan(tellAt);
    expect(rowsOf(rows, "llm/request", { turn: 2 })[0]!.seq).toBeGreaterThan(tellAt);
  });
});
