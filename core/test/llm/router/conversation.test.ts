/**
 * The router inside a real run: its rows reach the transcript with the conversation's invokeId,
 * metrics land on llm/response, and a failed call reaches the chart with its attempts.
 */
import { describe, expect, it } from "vitest";
import { assign, setup } from "xstate";
import { converse, inlineActors } from "../../../src/chart/index.js";
import { createModelRouter, type ModelRouterOptions } from "../../../src/llm/router/index.js";
import { processed, rowsOf, runScripted } from "../../chart/helpers.js";
import { fakeConnect, fakeTarget, simTime, T, type Behaviour } from "./fakes.js";

const chart = (params: { resilience?: unknown; models?: string[]; model?: string } = {}) =>
  setup({ actors: inlineActors, types: { context: {} as { error?: Record<string, unknown> } } }).createMachine({
    id: "routed",
    context: {},
    initial: "talking",
    states: {
      talking: {
        invoke: converse({ id: "c", message: "hello", realTools: [], ...params }),
        on: {
          "llm.idle": "done",
          "error.llm.*": { target: "failed", actions: assign({ error: ({ event }) => event as Record<string, unknown> }) },
        },
      },
      done: { type: "final" },
      failed: { type: "final" },
    },
  });

function router(spec: Record<string, Behaviour[]>, aliases: Record<string, string[]>, extra: Partial<ModelRouterOptions> = {}) {
  const time = simTime();
  const fakes = Object.entries(spec).map(([id, behaviours]) => fakeTarget(id, behaviours, time));
  const { connect } = fakeConnect(fakes);
  return {
    fakes: Object.fromEntries(fakes.map((fake) => [fake.id, fake])),
    model: createModelRouter({
      aliases: Object.fromEntries(Object.entries(aliases).map(([alias, ids]) => [alias, ids.map(T)])),
      connect,
      sleep: () => Promise.resolve(),
      random: () => 0.5,
      ...extra,
    }),
  };
}

describe("router in a run", () => {
  it("writes retries and failovers as rows of the conversation, and cost and context on llm/response", async () => {
    const { model } = router(
      {
        "a:one": [
          { kind: "error", category: "overloaded", deltas: ["Hel"] },
          { kind: "error", category: "auth" },
        ],
        "b:two": [{ deltas: ["Hello", " there"], usage: { input: 850, output: 50 } }],
      },
      { default: ["a:one", "b:two"] },
      { facts: () => ({ contextWindow: 1000, pricing: { input: 1, output: 2 } }) },
    );
    const { result, rows } = await runScripted({ chart: chart(), model });
    expect(result.finalConfig).toEqual(["done"]);
    expect(rowsOf(rows, "llm/retry").map((row) => row.data)).toEqual([
      { attempt: 2, category: "overloaded", delayMs: 500, target: "a:one", invokeId: "c", turn: 1 },
    ]);
    expect(rowsOf(rows, "llm/model-down").map((row) => row.data)).toEqual([{ target: "a:one", category: "auth", invokeId: "c", turn: 1 }]);
    expect(rowsOf(rows, "llm/context-warning").map((row) => row.data)).toEqual([{ used: 0.9, target: "b:two", contextWindow: 1000, invokeId: "c", turn: 1 }]);
    const deltas = rowsOf(rows, "llm/delta").map((row) => (row.data as { text: string }).text);
    expect(deltas.join("")).toBe("Hello there");
    expect(rowsOf(rows, "llm/response")[0]!.data).toMatchObject({
      target: "b:two",
      costUsd: (850 * 1 + 50 * 2) / 1e6,
      contextUsed: 0.9,
    });
    // Retry rows sit between the request and the response of the turn.
    const seqs = ["llm/request", "llm/retry", "llm/model-down", "llm/response"].map((event) => rowsOf(rows, event)[0]!.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
  });

  it("sends the conversation's fallback aliases and resilience with every request", async () => {
    const { model, fakes } = router(
      { "a:one": [{ kind: "error", category: "auth" }], "b:two": [{ text: "from the fallback alias" }] },
      { main: ["a:one"], backup: ["b:two"] },
    );
    const resilience = { retry: { maxAttempts: 1 } };
    const { result } = await runScripted({ chart: chart({ models: ["main", "backup"], resilience }), model });
    expect(result.finalConfig).toEqual(["done"]);
    expect(fakes["a:one"]!.calls[0]).toMatchObject({ model: "main", models: ["main", "backup"], resilience });
  });

  it("sends no models field when there is no fallback alias", async () => {
    const { model, fakes } = router({ "a:one": [{ text: "hi" }] }, { default: ["a:one"] });
    await runScripted({ chart: chart(), model });
    expect(fakes["a:one"]!.calls[0]).not.toHaveProperty("models");
    expect(fakes["a:one"]!.calls[0]).not.toHaveProperty("resilience");
  });

  it("turns an exhausted call into error.llm.<category> with every attempt, and llm/error with their count", async () => {
    const { model } = router(
      { "a:one": [{ kind: "error", category: "rate-limited" }], "b:two": [{ kind: "error", category: "overloaded" }] },
      { default: ["a:one", "b:two"] },
    );
    const { result, rows } = await runScripted({ chart: chart({ resilience: { retry: { maxAttempts: 2 } } }), model });
    expect(result.finalConfig).toEqual(["failed"]);
    const [event] = processed(rows, "error.llm.overloaded");
    expect(event!.eventData).toMatchObject({ invokeId: "c", category: "overloaded" });
    expect((event!.eventData!.attempts as { target: string; category: string }[]).map((a) => `${a.target}/${a.category}`)).toEqual([
      "a:one/rate-limited",
      "a:one/rate-limited",
      "b:two/overloaded",
      "b:two/overloaded",
    ]);
    const error = rowsOf(rows, "llm/error")[0]!.data as { attempts: number; tried: unknown[]; category: string };
    expect(error.category).toBe("overloaded");
    expect(error.attempts).toBe(4);
    expect(error.tried).toHaveLength(4);
  });

  it("ends the run before any call when the conversation's resilience policy is invalid, naming the field", async () => {
    const { model, fakes } = router({ "a:one": [{ text: "never" }] }, { default: ["a:one"] });
    const { result, rows } = await runScripted({ chart: chart({ resilience: { retry: { maxAttempts: "lots" } } }), model });
    expect(result.status).toBe("error");
    const error = rowsOf(rows, "runner/error")[0]!.data as { category: string; message: string };
    expect(error.category).toBe("invalid-resilience");
    expect(error.message).toContain("resilience.retry.maxAttempts");
    expect(error.message).toContain('conversation "c"');
    expect(fakes["a:one"]!.calls).toHaveLength(0);
  });

  it("ends the run before any call on an unknown alias", async () => {
    const { model, fakes } = router({ "a:one": [{ text: "never" }] }, { default: ["a:one"] });
    const { result, rows } = await runScripted({ chart: chart({ model: "gpt-4o" }), model });
    expect(result.status).toBe("error");
    expect((rowsOf(rows, "runner/error")[0]!.data as { category: string }).category).toBe("unknown-alias");
    expect(fakes["a:one"]!.calls).toHaveLength(0);
  });
});
