/**
 * Steering through `run()`'s handle: a message for a running conversation is queued and given to
 * the model at its next step (after the step in flight and its tool results), or with the next
 * turn of a conversation waiting for its chart; bad messages are refused with a reason.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { setup } from "xstate";
import { z } from "zod";
import { askHuman, converse, inlineActors, tellLlm } from "../../src/chart/index.js";
import { defineChart } from "../../src/engine/index.js";
import { run, type HumanRenderer } from "../../src/index.js";
import { scriptedModel, type ContentBlock, type ModelMessage } from "../../src/llm/index.js";
import { CassetteModel, loadCassette } from "../../src/llm/cassette/index.js";
import { readAllRows, type TranscriptRow } from "../../src/runtime/index.js";
import { defineTool } from "../../src/tools/index.js";
import { expectTranscriptInvariants } from "../chart/helpers.js";
import { tempDir } from "./helpers.js";

const finish = { finish: { schema: z.object({}), description: "the work is done" } };

const textsOf = (message: ModelMessage | undefined): string[] =>
  (message?.content ?? []).filter((block): block is Extract<ContentBlock, { type: "text" }> => block.type === "text").map((block) => block.text);

const until = async (check: () => boolean, what: string): Promise<void> => {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

/** A tool that runs until the test lets it finish. */
const heldTool = () => {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let started = false;
  const tool = defineTool({
    name: "slow_check",
    description: "checks slowly",
    input: z.object({}),
    execute: async () => {
      started = true;
      await released;
      return { output: "checked" };
    },
  });
  return { tool, release, started: () => started };
};

describe("run().steer", () => {
  it("queues a message during a tool call and gives it to the model at the next step, never twice", async () => {
    const held = heldTool();
    const chart = defineChart({
      id: "steered",
      tools: [held.tool],
      machine: setup({ actors: inlineActors }).createMachine({
        id: "steered",
        initial: "work",
        states: {
          work: { invoke: converse({ id: "worker", message: "check it", realTools: ["slow_check"], allowedEvents: finish }), on: { finish: "done" } },
          done: { type: "final" },
        },
      }),
    });
    const model = scriptedModel([{ toolCalls: [{ name: "slow_check", input: {} }] }, { events: [{ name: "finish" }] }]);
    const sessionDir = join(tempDir(), "session");
    const handle = run({ chart, model, sessionDir });
    await until(held.started, "the tool to start");

    const queued = handle.steer("worker", "Keep the report under 100 words.");
    expect(queued).toEqual({ ok: true, steerId: expect.stringMatching(/^s\d+$/) });
    // Refused, with a reason, and nothing queued:
    expect(handle.steer("nobody", "hello")).toEqual({ ok: false, code: "unknown-conversation", message: 'no live conversation "nobody" (live: worker)' });
    expect(handle.steer("worker", "  ")).toEqual({ ok: false, code: "empty", message: "a steering message needs text" });
    expect(handle.steer("worker", "x".repeat(16_385))).toEqual({
      ok: false,
      code: "too-long",
      message: "a steering message is at most 16384 characters (this one has 16385)",
    });
    held.release();
    const outcome = await handle;
    expect(outcome.status).toBe("done");

    // The step in flight was built without it; the next one has it after the tool's result.
    const [first, second] = model.calls;
    expect(first!.messages.flatMap(textsOf)).toEqual(["check it"]);
    const last = second!.messages.at(-1)!;
    expect(last.content.map((block) => block.type)).toEqual(["tool-result", "text"]);
    expect(textsOf(last)).toEqual(["[message from the user]\nKeep the report under 100 words."]);

    const rows = await readAllRows(outcome.transcriptPath);
    expectTranscriptInvariants(rows, outcome);
    const events = rows.map((row) => row.event);
    const queuedAt = events.indexOf("llm/steer-queued");
    const injectedAt = events.indexOf("llm/steer-injected");
    const secondRequest = events.lastIndexOf("llm/request");
    expect(queuedAt).toBeGreaterThan(events.indexOf("tool/started"));
    expect(injectedAt).toBeGreaterThan(events.indexOf("llm/tool-result"));
    expect(injectedAt).toBeLessThan(secondRequest);
    expect(rows.filter((row) => row.event.startsWith("llm/steer")).map((row) => row.data)).toEqual([
      { invokeId: "worker", steerId: queued.ok && queued.steerId, from: "host", snippet: "Keep the report under 100 words." },
      { invokeId: "worker", steerId: queued.ok && queued.steerId, turn: 2 },
    ]);
    // Once the run is over, nothing more is taken.
    expect(handle.steer("worker", "too late")).toMatchObject({ ok: false, code: "not-running" });
  });

  it("a strict cassette replay sends the recorded message again before the same step, and matches", async () => {
    const steeredChart = (tool: ReturnType<typeof heldTool>["tool"]) =>
      defineChart({
        id: "steered",
        tools: [tool],
        machine: setup({ actors: inlineActors }).createMachine({
          id: "steered",
          initial: "work",
          states: {
            work: { invoke: converse({ id: "worker", message: "check it", realTools: ["slow_check"], allowedEvents: finish }), on: { finish: "done" } },
            done: { type: "final" },
          },
        }),
      });
    const held = heldTool();
    const recorded = join(tempDir(), "recorded");
    const handle = run({
      chart: steeredChart(held.tool),
      model: scriptedModel([{ toolCalls: [{ name: "slow_check", input: {} }] }, { events: [{ name: "finish" }] }]),
      sessionDir: recorded,
    });
    await until(held.started, "the tool to start");
    expect(handle.steer("worker", "Mind the edge cases.")).toMatchObject({ ok: true });
    held.release();
    expect((await handle).status).toBe("done");

    // The replay has nobody steering: the cassette does, and a miss would end the run.
    const again = heldTool();
    again.release();
    const replay = await run({
      chart: steeredChart(again.tool),
      model: new CassetteModel(await loadCassette(recorded, "steered"), { mode: "strict" }),
      sessionDir: join(tempDir(), "replay"),
    });
    expect(replay).toMatchObject({ status: "done" });
    const rows = await readAllRows(replay.transcriptPath);
    expect(rows.filter((row) => row.event.startsWith("llm/steer")).map((row) => [row.event, row.data])).toEqual([
      ["llm/steer-queued", expect.objectContaining({ invokeId: "worker", from: "replay", snippet: "Mind the edge cases." })],
      ["llm/steer-injected", expect.objectContaining({ invokeId: "worker", turn: 2 })],
    ]);
  });

  it("holds a message for a conversation waiting for its chart until its next turn", async () => {
    let answer!: () => void;
    const asked = new Promise<void>((resolve) => (answer = resolve));
    let prompted = false;
    const human: HumanRenderer = {
      ask: async () => {
        prompted = true;
        await asked;
        return { value: true };
      },
    };
    const chart = defineChart({
      id: "idle-steer",
      machine: setup({ actors: inlineActors }).createMachine({
        id: "idle-steer",
        type: "parallel",
        states: {
          talk: {
            initial: "talking",
            states: {
              talking: { invoke: converse({ id: "writer", message: "draft", realTools: [], allowedEvents: finish }), on: { finish: "over" } },
              over: { type: "final" },
            },
          },
          gate: {
            initial: "asking",
            states: {
              asking: {
                invoke: { ...askHuman({ id: "go", kind: "confirm", message: "Go on?" }), onDone: { target: "told", actions: tellLlm("writer", "now finish") } },
              },
              told: { type: "final" },
            },
          },
        },
      }),
    });
    const model = scriptedModel([{ text: "a draft" }, { events: [{ name: "finish" }] }]);
    const handle = run({ chart, model, sessionDir: join(tempDir(), "session"), human });
    const rows: TranscriptRow[] = [];
    void (async () => {
      for await (const event of handle.events()) if (event.type === "llm-response") rows.push(event as never);
    })();
    await until(() => prompted && rows.length === 1, "the first turn and the prompt");
    // The conversation is idle: the message waits, and starts no turn by itself.
    expect(handle.steer("writer", "mention the deadline")).toMatchObject({ ok: true });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(model.calls).toHaveLength(1);
    answer();
    const outcome = await handle;
    expect(outcome.status).toBe("done");
    expect(model.calls).toHaveLength(2);
    expect(textsOf(model.calls[1]!.messages.at(-1))).toEqual(["now finish", "[message from the user]\nmention the deadline"]);
  });
});
