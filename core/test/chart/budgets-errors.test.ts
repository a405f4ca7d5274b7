import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { assign, setup } from "xstate";
import { z } from "zod";
import { converse, inlineActors } from "../../src/chart/index.js";
import { scriptedModel, type LlmErrorCategory } from "../../src/llm/index.js";
import { processed, rowsOf, runScripted, sleep, spyModel, tempDir } from "./helpers.js";

/** One conversation; `ping` is handled in place; any `error.llm.*` ends in `failed` with its category. */
const budgetChart = (budget: { maxTurns?: number; budgetMs?: number }) =>
  setup({ actors: inlineActors, types: { context: {} as { category?: string } } }).createMachine({
    id: "budget",
    context: {},
    initial: "talking",
    states: {
      talking: {
        invoke: converse({
          id: "c",
          message: "work",
          realTools: [],
          allowedEvents: { ping: { schema: z.object({}), description: "progress" } },
          ...budget,
        }),
        on: {
          ping: {},
          "llm.idle": "done",
          "error.llm.*": { target: "failed", actions: assign({ category: ({ event }) => String((event as { category?: unknown }).category) }) },
        },
      },
      done: { type: "final" },
      failed: { type: "final" },
    },
  });

describe("budgets", () => {
  it("maxTurns: the turn after the last allowed one is not made; the chart gets error.llm.max-turns", async () => {
    const model = scriptedModel([{ events: [{ name: "ping" }] }, { events: [{ name: "ping" }] }, { text: "one too many" }]);
    const { result, rows } = await runScripted({ chart: budgetChart({ maxTurns: 2 }), model });
    expect(result.finalConfig).toEqual(["failed"]);
    expect(model.calls).toHaveLength(2);
    expect(model.pending()).toHaveLength(1);
    expect(processed(rows, "error.llm.max-turns")).toEqual([
      expect.objectContaining({ eventData: expect.objectContaining({ invokeId: "c", category: "max-turns" }), after: ["failed"] }),
    ]);
  });

  it("maxTurns is not hit by a conversation that ends its turn in time", async () => {
    const model = scriptedModel([{ events: [{ name: "ping" }] }, { text: "done" }]);
    const { result, rows } = await runScripted({ chart: budgetChart({ maxTurns: 2 }), model });
    expect(result.finalConfig).toEqual(["done"]);
    expect(processed(rows, "error.llm.max-turns")).toHaveLength(0);
  });

  it("budgetMs: a call still running when the budget is spent is aborted; the chart gets error.llm.timeout", async () => {
    const model = spyModel(scriptedModel([{ text: "late", firstTokenMs: 10_000 }]));
    const { result, rows, elapsedMs } = await runScripted({ chart: budgetChart({ budgetMs: 100 }), model });
    expect(result.finalConfig).toEqual(["failed"]);
    expect(elapsedMs).toBeLessThan(2_000);
    expect(processed(rows, "error.llm.timeout")).toEqual([
      expect.objectContaining({ eventData: expect.objectContaining({ invokeId: "c", category: "timeout" }) }),
    ]);
    await sleep(20);
    expect(model.records[0]!.outcome).toBe("aborted");
    expect(rowsOf(rows, "llm/response")).toHaveLength(0);
  });

  it("budgetMs spans the whole conversation, not one turn", async () => {
    // Every turn alone (100 ms) fits in the 250 ms budget; the conversation's turns together do not.
    const step = { events: [{ name: "ping" }], firstTokenMs: 100 };
    const model = scriptedModel([step, step, step, step, { text: "never" }]);
    const { result, rows } = await runScripted({ chart: budgetChart({ budgetMs: 250 }), model });
    expect(result.finalConfig).toEqual(["failed"]);
    expect(processed(rows, "error.llm.timeout")).toHaveLength(1);
    // At least one turn completed before the budget ran out in a later one (two, on an idle machine).
    expect(rowsOf(rows, "llm/response").length).toBeGreaterThanOrEqual(1);
    expect(model.calls.length).toBeGreaterThanOrEqual(2);
    expect(model.calls.length).toBeLessThanOrEqual(3);
  });
});

describe("model errors", () => {
  const categories: LlmErrorCategory[] = ["rate-limited", "overloaded", "auth", "invalid-request", "context-length", "transport", "timeout"];

  it.each(categories)("%s: the chart gets error.llm.<category>, the transcript an llm/error row", async (category) => {
    const model = scriptedModel([{ error: { category, message: `simulated ${category}`, status: 499 } }]);
    const { result, rows } = await runScripted({ chart: budgetChart({}), model });
    expect(result.status).toBe("done");
    expect(result.finalConfig).toEqual(["failed"]);
    expect(processed(rows, `error.llm.${category}`)).toEqual([
      expect.objectContaining({ eventData: { invokeId: "c", category, message: `simulated ${category}` }, after: ["failed"] }),
    ]);
    expect(rowsOf(rows, "llm/error")).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ invokeId: "c", category, message: `simulated ${category}` }) }),
    ]);
    expect(rowsOf(rows, "llm/response")).toHaveLength(0);
    // The error row is on disk before the chart acts on the event.
    const errorSeq = rowsOf(rows, "llm/error")[0]!.seq;
    const handledSeq = rows.find((row) => row.event === "runner/event-processed" && (row.data as { event: string }).event === `error.llm.${category}`)!.seq;
    expect(errorSeq).toBeLessThan(handledSeq);
  });

  it("an exhausted script is an error.llm.script-exhausted, not a hang", async () => {
    const { result, rows } = await runScripted({ chart: budgetChart({}), script: [] });
    expect(result.finalConfig).toEqual(["failed"]);
    expect(processed(rows, "error.llm.script-exhausted")).toHaveLength(1);
  });

  it("a conversation that failed stays quiet: no further turn until told", async () => {
    const machine = setup({ actors: inlineActors }).createMachine({
      id: "failed-quiet",
      initial: "talking",
      states: {
        talking: { invoke: converse({ id: "c", message: "go", realTools: [] }), after: { 200: "done" } },
        done: { type: "final" },
      },
    });
    const model = scriptedModel([{ error: { category: "overloaded", message: "busy" } }, { text: "should not be asked" }]);
    const { result, rows } = await runScripted({ chart: machine, model });
    expect(result.status).toBe("done");
    expect(model.calls).toHaveLength(1);
    expect(rowsOf(rows, "llm/error")).toHaveLength(1);
  });
});

describe("failures that are not the model's", () => {
  it("a turn that cannot be recorded (io blob write fails) ends the run with session-io, not an error.llm.* event", async () => {
    const sessionDir = join(tempDir(), "session");
    const model = spyModel(scriptedModel([{ text: "answer", firstTokenMs: 30 }]));
    const { result, rows } = await runScripted({
      chart: budgetChart({}),
      model,
      sessionDir,
      taps: [
        (batch) => {
          // Once the request is on disk (and its blob written), swap the io pack for a directory so the response blob cannot be written.
          if (batch.some((row) => row.event === "llm/request")) {
            rmSync(join(sessionDir, "io.jsonl"), { force: true });
            mkdirSync(join(sessionDir, "io.jsonl"));
          }
        },
      ],
    });
    expect(result.status).toBe("error");
    expect(result.error?.category).toBe("session-io");
    expect(result.error?.message).toContain('conversation "c" turn 1');
    expect(result.error?.message).toContain("EISDIR");
    // The model answered; the chart was not asked to handle a model error that did not happen.
    expect(model.records[0]!.outcome).toBe("resolved");
    expect(processed(rows).filter((event) => event.event.startsWith("error."))).toEqual([]);
    expect(rowsOf(rows, "runner/error").map((row) => (row.data as { category: string }).category)).toEqual(["session-io"]);
  });

  it("a model client that throws something other than an LlmError is a transport error the chart can handle", async () => {
    const model = {
      assertAlias: () => {},
      call: async () => {
        throw new TypeError("socket hang up");
      },
    };
    const { result, rows } = await runScripted({ chart: budgetChart({}), model });
    expect(result.finalConfig).toEqual(["failed"]);
    expect(processed(rows, "error.llm.transport")).toEqual([
      expect.objectContaining({ eventData: expect.objectContaining({ category: "transport", message: "socket hang up" }) }),
    ]);
    expect(rowsOf(rows, "llm/error")[0]!.data).toMatchObject({ category: "transport", message: "socket hang up" });
  });
});
