import { describe, expect, it } from "vitest";
import { LlmError, type LlmErrorCategory } from "../../../src/llm/llm-error.js";
import type { ModelClient, ModelRequest, ModelResponse } from "../../../src/llm/protocol.js";
import { createModelRouter } from "../../../src/llm/router/index.js";
import { ask, askRequest, electModel, mapPrompt } from "../../../src/llm/script-api/index.js";
import { fakeTarget, simTime, T, type SimTime } from "../router/fakes.js";

interface Answer {
  delayMs?: number;
  text?: string;
  error?: LlmErrorCategory;
}

/** A ModelClient answering by alias and prompt text on simulated time; counts calls in flight. */
function textModel(time: SimTime, aliases: string[], answer: (alias: string, text: string) => Answer) {
  const calls: ModelRequest[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const client: ModelClient = {
    assertAlias(alias) {
      if (!aliases.includes(alias)) throw new LlmError("unknown-alias", `unknown alias ${alias}`);
    },
    async call(request, options): Promise<ModelResponse> {
      client.assertAlias(request.model);
      calls.push(request);
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        const first = request.messages[0]!.content[0]!;
        const reply = answer(request.model, first.type === "text" ? first.text : "");
        if (reply.delayMs) await time.sleep(reply.delayMs, options.signal);
        if (options.signal.aborted) throw new LlmError("aborted", "aborted");
        if (reply.error) throw new LlmError(reply.error, `${request.model}: ${reply.error}`);
        const text = reply.text ?? "ok";
        if (request.stream) options.onDelta?.({ kind: "text", text });
        options.onEvent?.("llm/model-policy-empty", { alias: request.model, strict: false, rejected: [] });
        return {
          content: [{ type: "text", text }],
          stopReason: "end_turn",
          usage: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0 },
          target: `t:${request.model}`,
        };
      } finally {
        inFlight -= 1;
      }
    },
  };
  return {
    client,
    calls,
    get maxInFlight() {
      return maxInFlight;
    },
  };
}

describe("ask", () => {
  it("answers with an ok envelope: response and text", async () => {
    const time = simTime();
    const model = textModel(time, ["default", "fast"], (alias, text) => ({ text: `${alias} says ${text}` }));
    const result = await time.run(ask(model.client, "hi", { model: "fast" }));
    expect(result).toMatchObject({ status: "ok", text: "fast says hi", response: { target: "t:fast" } });
    expect(result.error).toBeUndefined();
    expect(model.calls[0]).toMatchObject({ model: "fast", stream: false, tools: [], params: {}, origin: { invokeId: "script", stateId: "script", turn: 1 } });
  });

  it("builds the request from its options; streams when asked to or when given onDelta", () => {
    const request = askRequest([{ role: "user", content: [{ type: "text", text: "q" }] }], {
      model: "smart",
      models: ["fast"],
      system: "be brief",
      params: { maxTokens: 100 },
      resilience: { retry: { maxAttempts: 1 } },
      origin: { stateId: "review" },
      onDelta: () => {},
    });
    expect(request).toMatchObject({
      model: "smart",
      models: ["fast"],
      system: "be brief",
      params: { maxTokens: 100 },
      stream: true,
      resilience: { retry: { maxAttempts: 1 } },
      origin: { invokeId: "script", stateId: "review", turn: 1 },
    });
    expect(askRequest("x")).not.toHaveProperty("models");
    expect(askRequest("x", { stream: true }).stream).toBe(true);
  });

  it("passes deltas and model-layer events through", async () => {
    const time = simTime();
    const model = textModel(time, ["default"], () => ({ text: "streamed" }));
    const deltas: string[] = [];
    const events: string[] = [];
    await time.run(ask(model.client, "x", { onDelta: (d) => deltas.push(d.text), onEvent: (e) => events.push(e) }));
    expect(deltas).toEqual(["streamed"]);
    expect(events).toEqual(["llm/model-policy-empty"]);
  });

  it("reports a given-up call as exhausted, with the router's attempts, and never throws", async () => {
    const time = simTime();
    const a = fakeTarget("a:one", [{ kind: "error", category: "overloaded" }], time);
    const router = createModelRouter({ aliases: { default: [T("a:one")] }, connect: () => a, clock: time.clock, sleep: time.sleep, random: () => 0.5 });
    const result = await time.run(ask(router, "x"));
    expect(result.status).toBe("exhausted");
    expect(result.error?.category).toBe("overloaded");
    expect(result.error?.attempts).toHaveLength(3);
    expect(result.response).toBeUndefined();
  });

  it("reports terminal failures as error", async () => {
    const time = simTime();
    const model = textModel(time, ["default"], () => ({ error: "auth" }));
    expect(await time.run(ask(model.client, "x"))).toMatchObject({ status: "error", error: { category: "auth" } });
    expect(await time.run(ask(model.client, "x", { model: "nope" }))).toMatchObject({ status: "error", error: { category: "unknown-alias" } });
  });

  it("rethrows what is not a model failure (a bug)", async () => {
    const broken: ModelClient = { assertAlias() {}, call: () => Promise.reject(new TypeError("bug")) };
    await expect(ask(broken, "x")).rejects.toThrow(TypeError);
  });
});

describe("electModel", () => {
  it("elects the first alias that answers the probe; unknown aliases cost no call", async () => {
    const time = simTime();
    const model = textModel(time, ["down", "up", "later"], (alias) => (alias === "down" ? { error: "auth" } : { text: "OK" }));
    const election = await time.run(electModel(model.client, ["ghost", "down", "up", "later"]));
    expect(election).toMatchObject({ status: "ok", alias: "up" });
    expect(election.tried.map((t) => [t.alias, t.envelope.status])).toEqual([
      ["ghost", "error"],
      ["down", "error"],
      ["up", "ok"],
    ]);
    expect(model.calls.map((c) => c.model)).toEqual(["down", "up"]);
    expect(model.calls[0]!.params.maxTokens).toBe(16);
  });

  it("says exhausted when every alias may come back, error otherwise", async () => {
    const time = simTime();
    const busy = textModel(time, ["a", "b"], () => ({ error: "rate-limited" }));
    expect(await time.run(electModel(busy.client, ["a", "b"]))).toMatchObject({ status: "exhausted", error: { category: "rate-limited" } });
    const mixed = textModel(time, ["a", "b"], (alias) => ({ error: alias === "a" ? "auth" : "overloaded" }));
    expect(await time.run(electModel(mixed.client, ["a", "b"]))).toMatchObject({ status: "error", error: { category: "overloaded" } });
  });
});

describe("mapPrompt", () => {
  it("returns one result per item in input order, with at most `concurrency` calls in flight", async () => {
    const time = simTime();
    const model = textModel(time, ["default"], (_alias, text) => ({ delayMs: 1000 - Number(text) * 90, text: `#${text}` }));
    const items = Array.from({ length: 10 }, (_, i) => i);
    const settledOrder: number[] = [];
    const results = await time.run(
      mapPrompt(items, (item) => String(item), { client: model.client, concurrency: 3, onResult: (r) => settledOrder.push(r.index) }),
    );
    expect(results.map((r) => [r.index, r.status, r.text, r.alias])).toEqual(items.map((i) => [i, "ok", `#${i}`, "default"]));
    expect(model.maxInFlight).toBe(3);
    expect(settledOrder).not.toEqual(items);
    expect(model.calls.map((c) => c.origin)).toContainEqual({ invokeId: "map-7", stateId: "map", turn: 1 });
  });

  it("keeps each item's own failure and goes on", async () => {
    const time = simTime();
    const model = textModel(time, ["default"], (_alias, text) =>
      text === "2" ? { error: "context-length" } : text === "4" ? { error: "overloaded" } : { text },
    );
    const results = await time.run(mapPrompt([1, 2, 3, 4, 5], (n) => String(n), { client: model.client, alias: "default" }));
    expect(results.map((r) => r.status)).toEqual(["ok", "error", "ok", "exhausted", "ok"]);
    expect(results[1]!.error).toMatchObject({ category: "context-length" });
  });

  it("elects a working alias on the first item and pins it for the rest", async () => {
    const time = simTime();
    const model = textModel(time, ["primary", "secondary"], (alias) => (alias === "primary" ? { error: "rate-limited" } : { text: "fine" }));
    const results = await time.run(mapPrompt(["a", "b", "c", "d"], (s) => s, { client: model.client, aliases: ["primary", "secondary"], concurrency: 2 }));
    expect(results.every((r) => r.status === "ok" && r.alias === "secondary")).toBe(true);
    expect(model.calls.map((c) => c.model)).toEqual(["primary", "secondary", "secondary", "secondary", "secondary"]);
  });

  it("elects on the next item when the first fails for reasons of its own", async () => {
    const time = simTime();
    const model = textModel(time, ["a", "b"], (alias, text) => (text === "huge" ? { error: "context-length" } : { text: alias }));
    const results = await time.run(mapPrompt(["huge", "small", "small"], (s) => s, { client: model.client, aliases: ["a", "b"] }));
    expect(results.map((r) => [r.status, r.alias])).toEqual([
      ["error", undefined],
      ["ok", "a"],
      ["ok", "a"],
    ]);
  });

  it("does not send the rest when no alias answers at all", async () => {
    const time = simTime();
    const model = textModel(time, ["a", "b"], () => ({ error: "auth" }));
    const results = await time.run(mapPrompt([1, 2, 3], String, { client: model.client, aliases: ["a", "b"] }));
    expect(results.map((r) => [r.status, r.skipped ?? false])).toEqual([
      ["error", false],
      ["error", true],
      ["error", true],
    ]);
    expect(results[2]!.error!.message).toContain("not sent");
    expect(model.calls).toHaveLength(2);
  });

  it("stops sending once aborted; what was not sent is skipped, nothing throws", async () => {
    const time = simTime();
    const controller = new AbortController();
    const model = textModel(time, ["default"], (_alias, text) => ({ delayMs: 100 * Number(text) }));
    const results = await time.run(
      mapPrompt([1, 2, 3, 4, 5, 6], String, {
        client: model.client,
        concurrency: 2,
        signal: controller.signal,
        onResult: (r) => {
          if (r.index === 0) controller.abort();
        },
      }),
    );
    expect(results.map((r) => r.status)).toEqual(["ok", "error", "error", "error", "error", "error"]);
    // Item 1 was in flight: its call was aborted. Items 2.. were never sent.
    expect(results[1]).toMatchObject({ error: { category: "aborted" } });
    expect(results[1]!.skipped).toBeUndefined();
    expect(results.slice(2).every((r) => r.skipped && r.error?.category === "aborted")).toBe(true);
    expect(model.calls).toHaveLength(2);
  });

  it("tags model-layer events with the item's index", async () => {
    const time = simTime();
    const model = textModel(time, ["default"], () => ({}));
    const seen: number[] = [];
    await time.run(mapPrompt(["x", "y"], (s) => s, { client: model.client, onEvent: (_e, _d, index) => seen.push(index) }));
    expect(seen.sort()).toEqual([0, 1]);
  });

  it("rejects a bad concurrency", async () => {
    const model = textModel(simTime(), ["default"], () => ({}));
    await expect(mapPrompt([1], String, { client: model.client, concurrency: 0 })).rejects.toThrow(/concurrency/);
  });
});
