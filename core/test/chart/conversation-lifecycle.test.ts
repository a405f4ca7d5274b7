import { readBlob } from "../../src/runtime/index.js";
import { describe, expect, it } from "vitest";
import { assign, setup } from "xstate";
import { z } from "zod";
import { converse, tellLlm, inlineActors } from "../../src/chart/index.js";
import { scriptedModel, type ModelClient, type ModelResponse } from "../../src/llm/index.js";
import { defineTool, ToolRegistry } from "../../src/tools/index.js";
import type { TranscriptRow } from "../../src/runtime/index.js";
import { callsOf, processed, rowsOf, runScripted, seqOf, spyModel, sleep } from "./helpers.js";

/** Rows about `invokeId` written after its llm/conversation-ended row. */
const rowsAfterEnd = (rows: readonly TranscriptRow[], invokeId: string): string[] => {
  const ended = seqOf(rows, "llm/conversation-ended", { invokeId });
  return rows.filter((row) => row.seq > ended && (row.data as { invokeId?: string }).invokeId === invokeId).map((row) => row.event);
};

/** Collects unhandled rejections and uncaught exceptions while `body` runs (and `settleMs` after). */
async function withoutStrayErrors<T>(settleMs: number, body: () => Promise<T>): Promise<{ value: T; stray: string[] }> {
  const stray: string[] = [];
  const onError = (error: unknown) => stray.push(String((error as Error)?.message ?? error));
  process.on("unhandledRejection", onError);
  process.on("uncaughtException", onError);
  try {
    const value = await body();
    await sleep(settleMs);
    return { value, stray };
  } finally {
    process.off("unhandledRejection", onError);
    process.off("uncaughtException", onError);
  }
}

/** A model that ignores the abort signal: it answers after `ms` whatever happens (some providers do). */
const deafModel = (ms: number, deltas: string[] = []): ModelClient => ({
  assertAlias: () => {},
  async call(_request, options) {
    for (const text of deltas) {
      await sleep(ms / (deltas.length + 1));
      options.onDelta?.({ kind: "text", text });
    }
    await sleep(ms / (deltas.length + 1));
    return {
      content: [{ type: "text", text: "answer nobody waits for" }],
      stopReason: "end_turn",
      usage: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0 },
      target: "deaf",
    };
  },
});

const finish = { finish: { schema: z.object({}), description: "end the task" } };

describe("leaving the owning state", () => {
  it("ends the conversation and aborts a model call still waiting for its first token", async () => {
    const machine = setup({ actors: inlineActors }).createMachine({
      id: "leave-after",
      initial: "talking",
      states: {
        talking: {
          invoke: converse({ id: "slow", message: "take your time", realTools: [] }),
          after: { 50: "next" },
        },
        next: { type: "final" },
      },
    });
    const model = spyModel(scriptedModel([{ text: "too late", firstTokenMs: 10_000 }]));
    const { result, rows, elapsedMs } = await runScripted({ chart: machine, model });

    expect(result.status).toBe("done");
    expect(result.finalConfig).toEqual(["next"]);
    expect(elapsedMs).toBeLessThan(2_000);
    // The call was in flight, and it was aborted (not left to finish in the background).
    expect(rowsOf(rows, "llm/request", { invokeId: "slow", turn: 1 })).toHaveLength(1);
    await sleep(20);
    expect(model.records).toHaveLength(1);
    expect(model.records[0]!.outcome).toBe("aborted");
    expect(model.records[0]!.settledAt! - model.records[0]!.startedAt).toBeLessThan(1_000);
    // The transcript says so: ended on exit, no response for that turn, no error either.
    expect(rowsOf(rows, "llm/conversation-ended", { invokeId: "slow" })).toEqual([
      expect.objectContaining({ data: { invokeId: "slow", stateId: "talking", reason: "exit" } }),
    ]);
    expect(rowsOf(rows, "llm/response")).toHaveLength(0);
    expect(rowsOf(rows, "llm/error")).toHaveLength(0);
    expect(seqOf(rows, "llm/conversation-ended")).toBeGreaterThan(seqOf(rows, "llm/request"));
  });

  it("aborts a streamed reply mid-stream: no delta after the conversation ended", async () => {
    const machine = setup({ actors: inlineActors }).createMachine({
      id: "leave-mid-stream",
      initial: "talking",
      states: {
        talking: {
          invoke: converse({ id: "streamer", message: "go", realTools: [] }),
          after: { 80: "next" },
        },
        next: { type: "final" },
      },
    });
    const deltas = [{ text: "one " }, { text: "two ", afterMs: 5_000 }, { text: "three", afterMs: 5 }];
    const model = spyModel(scriptedModel([{ deltas }]));
    const { result, rows, elapsedMs } = await runScripted({ chart: machine, model });

    expect(result.status).toBe("done");
    expect(elapsedMs).toBeLessThan(2_000);
    await sleep(20);
    expect(model.records[0]!.outcome).toBe("aborted");
    const streamed = rowsOf(rows, "llm/delta", { invokeId: "streamer" });
    expect(streamed.map((row) => (row.data as { text: string }).text)).toEqual(["one "]);
    const ended = seqOf(rows, "llm/conversation-ended", { invokeId: "streamer" });
    expect(rows.filter((row) => row.seq > ended && (row.data as { invokeId?: string }).invokeId === "streamer")).toEqual([]);
    expect(rowsOf(rows, "llm/response")).toHaveLength(0);
  });

  it("ends a conversation when an event from another conversation leaves its state", async () => {
    const machine = setup({ actors: inlineActors }).createMachine({
      id: "leave-by-event",
      initial: "working",
      states: {
        working: {
          type: "parallel",
          on: { halt: "halted" },
          states: {
            a: { invoke: converse({ id: "slow", message: "think hard", realTools: [] }) },
            b: {
              invoke: converse({
                id: "boss",
                message: "stop everything",
                realTools: [],
                allowedEvents: { halt: { schema: z.object({}), description: "stop the work" } },
              }),
            },
          },
        },
        halted: { type: "final" },
      },
    });
    const model = spyModel(
      scriptedModel({
        byState: {
          "working.a": [{ text: "never", firstTokenMs: 10_000 }],
          "working.b": [{ events: [{ name: "halt" }], firstTokenMs: 30 }],
        },
      }),
    );
    const { result, rows, elapsedMs } = await runScripted({ chart: machine, model });

    expect(result.status).toBe("done");
    expect(result.finalConfig).toEqual(["halted"]);
    expect(elapsedMs).toBeLessThan(2_000);
    await sleep(20);
    const slow = model.records.find((record) => record.request.origin.invokeId === "slow")!;
    expect(slow.outcome).toBe("aborted");
    expect(rowsOf(rows, "llm/response", { invokeId: "slow" })).toHaveLength(0);
    expect(rowsOf(rows, "llm/response", { invokeId: "boss" })).toHaveLength(1);
    for (const invokeId of ["slow", "boss"]) {
      expect(rowsOf(rows, "llm/conversation-ended", { invokeId, reason: "exit" })).toHaveLength(1);
    }
    expect(processed(rows, "halt")).toEqual([expect.objectContaining({ before: ["working", "working.a", "working.b"], after: ["halted"] })]);
  });
});

describe("work that outlives its conversation", () => {
  const leaveChart = (then: "final" | "linger") =>
    setup({ actors: inlineActors }).createMachine({
      id: `outlive-${then}`,
      initial: "talking",
      states: {
        talking: { invoke: converse({ id: "c", message: "go", realTools: ["stubborn"] }), after: { 50: "next" } },
        next: then === "final" ? { type: "final" } : { after: { 400: "done" } },
        done: { type: "final" },
      },
    });

  const stubbornTool = defineTool({
    name: "stubborn",
    description: "ignores the abort signal and finishes late",
    input: z.object({}),
    execute: async () => {
      await sleep(200);
      return { output: "late result" };
    },
  });

  it("a model reply that arrives after the state was left writes no rows for the ended conversation", async () => {
    const { value, stray } = await withoutStrayErrors(50, () =>
      runScripted({ chart: leaveChart("linger"), model: deafModel(200, ["late ", "delta "]), tools: new ToolRegistry([stubbornTool]) }),
    );
    expect(value.result.status).toBe("done");
    expect(stray).toEqual([]);
    expect(rowsAfterEnd(value.rows, "c")).toEqual([]);
  });

  it("a model reply that arrives after the run ended neither crashes the process nor touches the closed transcript", async () => {
    const { value, stray } = await withoutStrayErrors(300, () =>
      runScripted({ chart: leaveChart("final"), model: deafModel(200, ["late "]), tools: new ToolRegistry([stubbornTool]) }),
    );
    expect(value.result.status).toBe("done");
    expect(stray).toEqual([]);
  });

  it("a tool that ignores the abort and finishes after the state was left writes no rows for the ended conversation", async () => {
    const model = scriptedModel([{ toolCalls: [{ name: "stubborn" }] }, { text: "never asked" }]);
    const { value, stray } = await withoutStrayErrors(50, () => runScripted({ chart: leaveChart("linger"), model, tools: new ToolRegistry([stubbornTool]) }));
    expect(value.result.status).toBe("done");
    expect(stray).toEqual([]);
    expect(rowsAfterEnd(value.rows, "c")).toEqual([]);
    expect(model.calls).toHaveLength(1);
  });

  it("a tool that finishes after the run ended neither crashes the process nor touches the closed transcript", async () => {
    const model = scriptedModel([{ toolCalls: [{ name: "stubborn" }] }, { text: "never asked" }]);
    const { value, stray } = await withoutStrayErrors(300, () => runScripted({ chart: leaveChart("final"), model, tools: new ToolRegistry([stubbornTool]) }));
    expect(value.result.status).toBe("done");
    expect(stray).toEqual([]);
    expect(model.calls).toHaveLength(1);
  });
});

describe("internal transitions keep the conversation alive", () => {
  const chartWith = (onIdle: Record<string, unknown>) =>
    setup({ actors: inlineActors }).createMachine({
      id: "internal",
      initial: "talking",
      states: {
        talking: {
          invoke: converse({ id: "c", message: "first", realTools: [], allowedEvents: finish }),
          on: { "llm.idle": onIdle as never, finish: "done" },
        },
        done: { type: "final" },
      },
    });

  const expectOneContinuingConversation = async (machine: ReturnType<typeof chartWith>) => {
    const model = scriptedModel([{ text: "one" }, { events: [{ name: "finish" }] }]);
    const { result, rows } = await runScripted({ chart: machine, model });
    expect(result.status).toBe("done");
    expect(model.calls).toHaveLength(2);
    // Turn 2 carries turn 1's exchange plus the told message: the same history, continued.
    expect(model.calls[1]!.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "first" }] },
      { role: "assistant", content: [{ type: "text", text: "one" }] },
      { role: "user", content: [{ type: "text", text: "second" }] },
    ]);
    expect(model.calls[1]!.origin).toMatchObject({ invokeId: "c", turn: 2 });
    expect(rowsOf(rows, "llm/conversation-started")).toHaveLength(1);
    expect(rowsOf(rows, "llm/conversation-ended")).toHaveLength(1);
    // The conversation ended only when `finish` left the state.
    expect(seqOf(rows, "llm/conversation-ended")).toBeGreaterThan(seqOf(rows, "llm/response", { turn: 2 }));
    const idle = processed(rows, "llm.idle");
    expect(idle).toHaveLength(1);
    expect(idle[0]).toMatchObject({ before: ["talking"], after: ["talking"] });
    return rows;
  };

  it("an `on` handler without a target", async () => {
    await expectOneContinuingConversation(chartWith({ actions: tellLlm("c", "second") }));
  });

  it("a self-target with reenter: false", async () => {
    const rows = await expectOneContinuingConversation(chartWith({ target: "talking", reenter: false, actions: tellLlm("c", "second") }));
    const row = rows.find((r) => r.event === "runner/event-processed" && (r.data as { event: string }).event === "llm.idle")!;
    expect(row.data).toMatchObject({ entered: [], exited: [] });
  });

  it("whereas reenter: true restarts it with a fresh history", async () => {
    const machine = setup({ actors: inlineActors, types: { context: {} as { n: number } } }).createMachine({
      id: "reenter",
      context: { n: 0 },
      initial: "talking",
      states: {
        talking: {
          invoke: converse({ id: "c", message: "first", realTools: [] }),
          on: {
            "llm.idle": [{ guard: ({ context }) => context.n === 0, target: "talking", reenter: true, actions: assign({ n: 1 }) }, { target: "done" }],
          },
        },
        done: { type: "final" },
      },
    });
    const model = scriptedModel([{ text: "one" }, { text: "two" }]);
    const { result, rows } = await runScripted({ chart: machine, model });
    expect(result.status).toBe("done");
    expect(model.calls.map((call) => call.messages.length)).toEqual([1, 1]);
    expect(model.calls.map((call) => call.origin.turn)).toEqual([1, 1]);
    expect(rowsOf(rows, "llm/conversation-started")).toHaveLength(2);
    expect(rowsOf(rows, "llm/conversation-ended")).toHaveLength(2);
    // Each conversation's full I/O survives: the second one does not overwrite the first's blobs.
    const responses = rowsOf(rows, "llm/response").map((row) => (row.data as { ref: string }).ref);
    expect(new Set(responses).size).toBe(2);
    const texts = responses.map((ref) => (JSON.parse(readBlob(result.sessionDir, ref)!) as ModelResponse).content);
    expect(texts).toEqual([[{ type: "text", text: "one" }], [{ type: "text", text: "two" }]]);
    const idleRefs = processed(rows, "llm.idle").map((event) => event.eventData?.ref);
    expect(idleRefs).toEqual(responses);
  });
});

describe("parallel regions", () => {
  it("run their conversations independently, interleaved, each to its own end", async () => {
    const region = (name: string, message: string) => ({
      initial: "talking",
      states: {
        talking: {
          invoke: converse({
            id: name,
            message,
            realTools: [],
            allowedEvents: { [`${name}.done`]: { schema: z.object({}), description: "finished" } },
          }),
          on: { [`${name}.done`]: "finished" },
        },
        finished: { type: "final" as const },
      },
    });
    const machine = setup({ actors: inlineActors }).createMachine({
      id: "parallel",
      initial: "work",
      states: {
        work: { type: "parallel", states: { a: region("a", "task A"), b: region("b", "task B") }, onDone: "done" },
        done: { type: "final" },
      },
    });
    const stream = (prefix: string, count: number, gap: number) => Array.from({ length: count }, (_, index) => ({ text: `${prefix}${index} `, afterMs: gap }));
    const model = scriptedModel({
      byState: {
        "work.a.talking": [{ deltas: stream("a", 3, 40), events: [{ name: "a_done" }] }],
        "work.b.talking": [{ deltas: stream("b", 8, 40), events: [{ name: "b_done" }] }],
      },
    });
    const { result, rows } = await runScripted({ chart: machine, model });

    expect(result.status).toBe("done");
    model.assertComplete();
    // Independent histories: each conversation saw only its own task.
    expect(callsOf(model, "a").map((call) => call.messages)).toEqual([[{ role: "user", content: [{ type: "text", text: "task A" }] }]]);
    expect(callsOf(model, "b").map((call) => call.messages)).toEqual([[{ role: "user", content: [{ type: "text", text: "task B" }] }]]);
    // Their rows interleave: neither waited for the other.
    const deltas = (invokeId: string) => rowsOf(rows, "llm/delta", { invokeId });
    const [a, b] = [deltas("a").map((row) => row.seq), deltas("b").map((row) => row.seq)];
    expect(
      deltas("a")
        .map((row) => (row.data as { text: string }).text)
        .join(""),
    ).toBe("a0 a1 a2 ");
    expect(
      deltas("b")
        .map((row) => (row.data as { text: string }).text)
        .join(""),
    ).toBe("b0 b1 b2 b3 b4 b5 b6 b7 ");
    expect(Math.min(...a)).toBeLessThan(Math.max(...b));
    expect(Math.min(...b)).toBeLessThan(Math.max(...a));
    // A leaving its state did not end B: B's reply came after A's conversation ended.
    expect(seqOf(rows, "llm/conversation-ended", { invokeId: "a" })).toBeLessThan(seqOf(rows, "llm/response", { invokeId: "b" }));
    expect(result.finalConfig).toEqual(["done"]);
  });
});
