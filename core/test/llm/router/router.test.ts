import { describe, expect, it } from "vitest";
import { createCatalog } from "../../../src/llm/catalog/index.js";
import { LlmError } from "../../../src/llm/llm-error.js";
import type { ModelTarget } from "../../../src/llm/target.js";
import { createModelRouter, type ModelRouterOptions } from "../../../src/llm/router/index.js";
import { fakeConnect, fakeTarget, recorder, request, simTime, T, type Behaviour, type SimTime } from "./fakes.js";

/** A router over fake targets; `random` fixed at 0.5 so jitter is neutral. */
function setup(spec: Record<string, Behaviour[]>, aliases: Record<string, string[]> = { main: Object.keys(spec) }, extra: Partial<ModelRouterOptions> = {}) {
  const time = simTime();
  const fakes = Object.entries(spec).map(([id, behaviours]) => fakeTarget(id, behaviours, time));
  const { connect, connected } = fakeConnect(fakes);
  const router = createModelRouter({
    aliases: Object.fromEntries(Object.entries(aliases).map(([alias, ids]) => [alias, ids.map(T)])),
    connect,
    clock: time.clock,
    sleep: time.sleep,
    random: () => 0.5,
    ...extra,
  });
  const byId = Object.fromEntries(fakes.map((fake) => [fake.id, fake]));
  return { time, router, fakes: byId, connected };
}

const failure = async (promise: Promise<unknown>, time: SimTime): Promise<LlmError> => {
  try {
    await time.run(promise);
  } catch (error) {
    expect(error).toBeInstanceOf(LlmError);
    return error as LlmError;
  }
  throw new Error("expected the call to fail");
};

describe("alias resolution", () => {
  it("serves an alias from its first target", async () => {
    const { router, time, fakes } = setup({ "a:one": [{ text: "hello" }], "b:two": [{ text: "never" }] });
    const rec = recorder();
    const response = await time.run(router.call(request(), rec.options()));
    expect(response.content).toEqual([{ type: "text", text: "hello" }]);
    expect(response.target).toBe("a:one");
    expect(rec.text()).toBe("hello");
    expect(fakes["b:two"]!.calls).toHaveLength(0);
    expect(rec.events).toEqual([]);
  });

  it("rejects an unknown alias, or a raw model name, before any backend is touched", async () => {
    const { router, time, connected } = setup({ "a:one": [{ text: "x" }] });
    for (const model of ["nope", "claude-sonnet-4-5", "a:one", "toString", "__proto__"]) {
      const error = await failure(router.call(request({ model }), recorder().options()), time);
      expect(error.category).toBe("unknown-alias");
      expect(error.message).toContain("known aliases: main");
      expect(() => router.assertAlias(model)).toThrow(LlmError);
    }
    const error = await failure(router.call(request({ models: ["main", "ghost"] }), recorder().options()), time);
    expect(error.category).toBe("unknown-alias");
    expect(error.message).toContain('"ghost"');
    expect(connected).toEqual([]);
  });

  it("rejects an alias that lists no targets", () => {
    const { router } = setup({ "a:one": [{ text: "x" }] }, { main: ["a:one"], empty: [] });
    expect(() => router.assertAlias("empty")).toThrow(/lists no targets/);
    expect(() => router.assertAlias("main")).not.toThrow();
  });

  it("chains the request's fallback aliases after the model's targets, without duplicates", () => {
    const { router } = setup({ "a:one": [], "b:two": [], "c:three": [] }, { main: ["a:one", "b:two"], backup: ["b:two", "c:three"] });
    expect(router.chainOf(request({ models: ["main", "backup"] })).map((t) => `${t.provider}:${t.model}`)).toEqual(["a:one", "b:two", "c:three"]);
    expect(router.aliases).toEqual(["main", "backup"]);
  });

  it("connects each target once and reuses the client", async () => {
    const { router, time, connected } = setup({ "a:one": [{ text: "x" }] });
    await time.run(router.call(request(), recorder().options()));
    await time.run(router.call(request(), recorder().options()));
    expect(connected).toEqual(["a:one"]);
  });
});

describe("needs gate", () => {
  const spec: Record<string, Behaviour[]> = { "a:one": [{ text: "from a" }], "b:two": [{ text: "from b" }], "c:three": [{ text: "from c" }] };

  it("drops ineligible targets and keeps the configured order (a gate's own order is ignored)", async () => {
    const { router, time, fakes } = setup({ ...spec }, undefined, {
      gate: (targets) => ({ eligible: [...targets].filter((t) => t.provider !== "a").reverse() }),
    });
    const response = await time.run(router.call(request(), recorder().options()));
    expect(response.target).toBe("b:two");
    expect(fakes["a:one"]!.calls).toHaveLength(0);
  });

  it("passes the request to the gate", () => {
    const seen: unknown[] = [];
    const { router } = setup({ ...spec }, undefined, {
      gate: (targets, req) => {
        seen.push(req.tools.length);
        return { eligible: targets };
      },
    });
    router.chainOf(request({ tools: [{ name: "t", description: "", inputSchema: {} }] }));
    expect(seen).toEqual([1]);
  });

  it("fails open when nothing is eligible: llm/model-policy-empty, then the whole chain", async () => {
    const { router, time } = setup({ ...spec }, undefined, {
      gate: (targets) => ({ eligible: [], rejected: targets.map((target) => ({ target, reasons: ["no vision"] })) }),
    });
    const rec = recorder();
    const response = await time.run(router.call(request(), rec.options()));
    expect(response.target).toBe("a:one");
    expect(rec.named("llm/model-policy-empty")).toEqual([
      { alias: "main", strict: false, rejected: ["a:one: no vision", "b:two: no vision", "c:three: no vision"] },
    ]);
  });

  it("fails closed when strict, naming why each target was rejected, without calling any", async () => {
    const { router, time, connected } = setup({ ...spec }, undefined, {
      strict: true,
      gate: (targets) => ({ eligible: [], rejected: targets.map((target) => ({ target, reason: "context too small" })) }),
    });
    const rec = recorder();
    const error = await failure(router.call(request(), rec.options()), time);
    expect(error.category).toBe("invalid-request");
    expect(error.message).toContain("a:one: context too small");
    expect(rec.named("llm/model-policy-empty")).toMatchObject([{ alias: "main", strict: true }]);
    expect(connected).toEqual([]);
  });
});

describe("retries and failover", () => {
  it("retries a transient error on the same target with exponential backoff", async () => {
    const { router, time, fakes } = setup({
      "a:one": [{ kind: "error", category: "rate-limited" }, { kind: "error", category: "overloaded" }, { text: "third time" }],
      "b:two": [{ text: "never" }],
    });
    const rec = recorder();
    const response = await time.run(router.call(request(), rec.options()));
    expect(response.target).toBe("a:one");
    expect(fakes["a:one"]!.calls).toHaveLength(3);
    expect(fakes["b:two"]!.calls).toHaveLength(0);
    expect(rec.named("llm/retry")).toEqual([
      { attempt: 2, category: "rate-limited", delayMs: 500, target: "a:one" },
      { attempt: 3, category: "overloaded", delayMs: 1000, target: "a:one" },
    ]);
    expect(time.sleeps).toEqual([500, 1000]);
    expect(time.now).toBe(1500);
  });

  it("jitters the delay with the injected random source", async () => {
    const { router, time } = setup({ "a:one": [{ kind: "error", category: "timeout" }, { text: "ok" }] }, undefined, { random: () => 0 });
    const rec = recorder();
    await time.run(router.call(request(), rec.options()));
    expect(rec.named("llm/retry")[0]!.delayMs).toBe(375); // 500 * (1 - 0.25)
  });

  it("waits at least the server's retry-after", async () => {
    const { router, time } = setup({ "a:one": [{ kind: "error", category: "rate-limited", retryAfterMs: 7000 }, { text: "ok" }] });
    const rec = recorder();
    await time.run(router.call(request(), rec.options()));
    const delay = rec.named("llm/retry")[0]!.delayMs as number;
    expect(delay).toBeGreaterThanOrEqual(7000);
    expect(delay).toBeLessThanOrEqual(7000 + 500 * 0.25);
  });

  it("fails over instead of waiting out a retry-after longer than maxRetryAfterMs", async () => {
    const { router, time, fakes } = setup({
      "a:one": [{ kind: "error", category: "rate-limited", retryAfterMs: 120_000 }],
      "b:two": [{ text: "from b" }],
    });
    const rec = recorder();
    const response = await time.run(router.call(request(), rec.options()));
    expect(response.target).toBe("b:two");
    expect(rec.named("llm/retry")).toEqual([]);
    expect(rec.named("llm/model-down")).toEqual([{ target: "a:one", category: "rate-limited" }]);
    expect(fakes["a:one"]!.calls).toHaveLength(1);
  });

  it("fails fast on a terminal error and fails over to the next target", async () => {
    for (const category of ["auth", "invalid-request", "context-length"] as const) {
      const { router, time, fakes } = setup({ "a:one": [{ kind: "error", category }], "b:two": [{ text: "from b" }] });
      const rec = recorder();
      const response = await time.run(router.call(request(), rec.options()));
      expect(response.target).toBe("b:two");
      expect(fakes["a:one"]!.calls).toHaveLength(1);
      expect(rec.named("llm/retry")).toEqual([]);
      expect(rec.named("llm/model-down")).toEqual([{ target: "a:one", category }]);
    }
  });

  it("rejects with the last category and every attempt when all targets are exhausted", async () => {
    const { router, time } = setup({
      "a:one": [{ kind: "error", category: "overloaded" }],
      "b:two": [{ kind: "error", category: "auth" }],
      "c:three": [{ kind: "error", category: "transport" }],
    });
    const rec = recorder();
    const error = await failure(router.call(request(), rec.options()), time);
    expect(error.category).toBe("transport");
    expect(error.attempts?.map((a) => [a.target, a.attempt, a.outcome, a.category])).toEqual([
      ["a:one", 1, "error", "overloaded"],
      ["a:one", 2, "error", "overloaded"],
      ["a:one", 3, "error", "overloaded"],
      ["b:two", 1, "error", "auth"],
      ["c:three", 1, "error", "transport"],
      ["c:three", 2, "error", "transport"],
      ["c:three", 3, "error", "transport"],
    ]);
    expect(error.message).toContain("7 tries on 3 target(s) failed");
    expect(error.message).toContain("last, from c:three");
    expect(rec.named("llm/model-down").map((d) => d.target)).toEqual(["a:one", "b:two", "c:three"]);
    expect(rec.named("llm/retry")).toHaveLength(4);
  });

  it("keeps the target's own message when there was only one try", async () => {
    const { router, time } = setup({ "a:one": [{ kind: "error", category: "invalid-request" }] });
    const error = await failure(router.call(request(), recorder().options()), time);
    expect(error.message).toBe("a:one: invalid-request");
    expect(error.attempts).toHaveLength(1);
  });

  it("honours retry.maxAttempts from the request's policy", async () => {
    const { router, time, fakes } = setup({ "a:one": [{ kind: "error", category: "timeout" }] });
    const error = await failure(router.call(request({ resilience: { retry: { maxAttempts: 1 } } }), recorder().options()), time);
    expect(error.category).toBe("timeout");
    expect(fakes["a:one"]!.calls).toHaveLength(1);
  });

  it("with failover: false tries only the first target", async () => {
    const { router, time, fakes } = setup({ "a:one": [{ kind: "error", category: "auth" }], "b:two": [{ text: "b" }] });
    const error = await failure(router.call(request({ resilience: { failover: false } }), recorder().options()), time);
    expect(error.category).toBe("auth");
    expect(fakes["b:two"]!.calls).toHaveLength(0);
  });

  it("turns a non-LlmError from a client into a transport error", async () => {
    const { router, time } = setup({ "a:one": [{ kind: "throw", error: new TypeError("socket hang up") }] }, undefined, {
      resilience: { retry: { maxAttempts: 1 } },
    });
    const error = await failure(router.call(request(), recorder().options()), time);
    expect(error.category).toBe("transport");
    expect(error.message).toContain("socket hang up");
  });

  it("a target that cannot be connected is down, not retried", async () => {
    const time = simTime();
    const b = fakeTarget("b:two", [{ text: "from b" }], time);
    const router = createModelRouter({
      aliases: { main: [T("a:one"), T("b:two")] },
      connect: (target) => {
        if (target.provider === "a") throw new Error("no credential for provider a");
        return b;
      },
      clock: time.clock,
      sleep: time.sleep,
      random: () => 0.5,
    });
    const rec = recorder();
    const response = await time.run(router.call(request(), rec.options()));
    expect(response.target).toBe("b:two");
    expect(rec.named("llm/model-down")).toEqual([{ target: "a:one", category: "auth" }]);
  });

  it("skips a target that went down for auth or transient errors until its cooldown ends", async () => {
    const { router, time, fakes } = setup({ "a:one": [{ kind: "error", category: "auth" }, { text: "a is back" }], "b:two": [{ text: "b" }] });
    await time.run(router.call(request(), recorder().options()));
    expect(fakes["a:one"]!.calls).toHaveLength(1);
    const second = await time.run(router.call(request(), recorder().options()));
    expect(second.target).toBe("b:two");
    expect(fakes["a:one"]!.calls).toHaveLength(1);
    await time.run(time.sleep(30_000));
    const third = await time.run(router.call(request(), recorder().options()));
    expect(third.target).toBe("a:one");
  });

  it("does not cool down a target for a request-specific error", async () => {
    const { router, time, fakes } = setup({
      "a:one": [{ kind: "error", category: "context-length" }, { text: "a" }],
      "b:two": [{ text: "b" }],
    });
    await time.run(router.call(request(), recorder().options()));
    const second = await time.run(router.call(request(), recorder().options()));
    expect(second.target).toBe("a:one");
    expect(fakes["a:one"]!.calls).toHaveLength(2);
  });

  it("tries cooling targets anyway when every target is cooling", async () => {
    const { router, time } = setup({ "a:one": [{ kind: "error", category: "auth" }, { text: "a again" }] });
    await failure(router.call(request(), recorder().options()), time);
    const response = await time.run(router.call(request(), recorder().options()));
    expect(response.target).toBe("a:one");
  });
});

describe("no duplicated output across tries", () => {
  it("suppresses the prefix a retried try streams again", async () => {
    const { router, time } = setup({
      "a:one": [{ kind: "error", category: "transport", deltas: ["Hel", "lo wor"] }, { deltas: ["Hello", " world", "!"] }],
    });
    const rec = recorder();
    const response = await time.run(router.call(request(), rec.options()));
    expect(rec.text()).toBe("Hello world!");
    expect(rec.deltas.map((d) => d.text)).toEqual(["Hel", "lo wor", "ld", "!"]);
    expect(response.content).toEqual([{ type: "text", text: "Hello world!" }]);
    expect(rec.named("llm/stream-diverged")).toEqual([]);
  });

  it("applies the same rule across a failover to another target", async () => {
    const { router, time } = setup({
      "a:one": [{ kind: "error", category: "auth", deltas: ["The answer"] }],
      "b:two": [{ deltas: ["The ", "answer is 42"] }],
    });
    const rec = recorder();
    await time.run(router.call(request(), rec.options()));
    expect(rec.text()).toBe("The answer is 42");
  });

  it("mutes a retried try that says something else, and says so once", async () => {
    const { router, time } = setup({
      "a:one": [{ kind: "error", category: "overloaded", deltas: ["Hello wor"] }, { deltas: ["Hi", " there", ", friend"] }],
    });
    const rec = recorder();
    const response = await time.run(router.call(request(), rec.options()));
    expect(rec.text()).toBe("Hello wor");
    expect(response.content).toEqual([{ type: "text", text: "Hi there, friend" }]);
    expect(rec.named("llm/stream-diverged")).toEqual([{ target: "a:one", kind: "text", emittedChars: 9 }]);
  });

  it("keeps text and thinking apart", async () => {
    const { router, time } = setup({
      "a:one": [
        { kind: "error", category: "transport", deltas: [{ kind: "thinking", text: "let me see" }] },
        {
          deltas: [
            { kind: "thinking", text: "hmm" },
            { kind: "text", text: "Answer" },
          ],
        },
      ],
    });
    const rec = recorder();
    await time.run(router.call(request(), rec.options()));
    expect(rec.text("thinking")).toBe("let me see");
    expect(rec.text("text")).toBe("Answer");
    expect(rec.named("llm/stream-diverged")).toEqual([{ target: "a:one", kind: "thinking", emittedChars: 10 }]);
  });
});

describe("time to first token", () => {
  const latency = { latency: { firstTokenMs: 2000 } };

  it("abandons a target with no first token in time and switches, without marking it down", async () => {
    const { router, time, fakes } = setup({ "a:one": [{ kind: "hang" }, { text: "a is fast now" }], "b:two": [{ text: "from b" }] });
    const rec = recorder();
    const response = await time.run(router.call(request({ resilience: latency }), rec.options()));
    expect(response.target).toBe("b:two");
    expect(rec.named("llm/latency-switch")).toEqual([{ from: "a:one", to: "b:two", waitedMs: 2000 }]);
    expect(rec.named("llm/model-down")).toEqual([]);
    expect(fakes["a:one"]!.signals[0]!.aborted).toBe(true);
    const next = await time.run(router.call(request({ resilience: latency }), recorder().options()));
    expect(next.target).toBe("a:one");
  });

  it("lets the last candidate ride it out", async () => {
    const { router, time } = setup({ "a:one": [{ kind: "hang" }], "b:two": [{ text: "slow b", firstTokenMs: 9000 }] });
    const rec = recorder();
    const response = await time.run(router.call(request({ resilience: latency }), rec.options()));
    expect(response.target).toBe("b:two");
    expect(response.ttftMs).toBe(2000 + 9000);
    expect(rec.named("llm/latency-switch")).toHaveLength(1);
  });

  it("puts no cap on a single target", async () => {
    const { router, time } = setup({ "a:one": [{ text: "slow", firstTokenMs: 60_000 }] });
    const rec = recorder();
    const response = await time.run(router.call(request({ resilience: latency }), rec.options()));
    expect(response.content).toEqual([{ type: "text", text: "slow" }]);
    expect(rec.named("llm/latency-switch")).toEqual([]);
  });

  it("does not switch once the first token came, however long the rest takes", async () => {
    const { router, time } = setup({
      "a:one": [{ deltas: ["a", "b", "c"], firstTokenMs: 1500, gapMs: 5000 }],
      "b:two": [{ text: "never" }],
    });
    const rec = recorder();
    const response = await time.run(router.call(request({ resilience: latency }), rec.options()));
    expect(response.target).toBe("a:one");
    expect(rec.text()).toBe("abc");
    expect(time.now).toBe(11_500);
  });

  it("counts onFirstToken (a tool-call-only stream) as the first token", async () => {
    const { router, time } = setup({
      "a:one": [{ toolCalls: [{ id: "1", name: "go", input: {} }], silentFirstToken: true, firstTokenMs: 100, gapMs: 0 }],
      "b:two": [{ text: "never" }],
    });
    const firsts: number[] = [];
    const rec = recorder();
    const response = await time.run(router.call(request({ resilience: latency }), { ...rec.options(), onFirstToken: (ms) => firsts.push(ms) }));
    expect(response.target).toBe("a:one");
    expect(firsts).toEqual([100]);
  });

  it("drops what an abandoned target streams after the switch", async () => {
    const time = simTime();
    let late: ((text: string) => void) | undefined;
    const a = {
      target: T("a:one"),
      call: (_req: unknown, options: { onDelta?: (d: { kind: "text"; text: string }) => void; signal: AbortSignal }) => {
        late = (text) => options.onDelta?.({ kind: "text", text });
        return new Promise<never>(() => {}); // ignores the abort and never settles
      },
    };
    const b = fakeTarget("b:two", [{ text: "from b", firstTokenMs: 10 }], time);
    const router = createModelRouter({
      aliases: { main: [T("a:one"), T("b:two")] },
      connect: (target) => (target.provider === "a" ? (a as never) : b),
      clock: time.clock,
      sleep: time.sleep,
    });
    const rec = recorder();
    const pending = router.call(request({ resilience: latency }), rec.options());
    const response = await time.run(pending);
    late!("zombie text");
    expect(response.target).toBe("b:two");
    expect(rec.text()).toBe("from b");
  });

  it("switches to the latency fallback targets first", async () => {
    const { router, time, fakes } = setup(
      { "a:one": [{ kind: "hang" }], "b:two": [{ text: "b" }], "f:fast": [{ text: "fast" }] },
      { main: ["a:one", "b:two"] },
    );
    const rec = recorder();
    const response = await time.run(router.call(request({ resilience: { latency: { firstTokenMs: 1000, fallback: ["f:fast"] } } }), rec.options()));
    expect(response.target).toBe("f:fast");
    expect(rec.named("llm/latency-switch")).toEqual([{ from: "a:one", to: "f:fast", waitedMs: 1000 }]);
    expect(fakes["b:two"]!.calls).toHaveLength(0);
  });

  it("caps a fallback target too while the chain has more, and does not cap a non-streamed call", async () => {
    const { router, time } = setup({ "a:one": [{ kind: "hang" }], "b:two": [{ text: "b" }], "f:fast": [{ kind: "hang" }] }, { main: ["a:one", "b:two"] });
    const rec = recorder();
    const response = await time.run(
      router.call(request({ resilience: { latency: { firstTokenMs: 1000, fallback: [{ provider: "f", model: "fast" }] } } }), rec.options()),
    );
    expect(response.target).toBe("b:two");
    expect(rec.named("llm/latency-switch").map((d) => [d.from, d.to])).toEqual([
      ["a:one", "f:fast"],
      ["f:fast", "b:two"],
    ]);
    const unstreamed = setup({ "a:one": [{ text: "late", firstTokenMs: 5000 }], "b:two": [{ text: "b" }] });
    const plain = await unstreamed.time.run(unstreamed.router.call(request({ stream: false, resilience: latency }), recorder().options()));
    expect(plain.target).toBe("a:one");
  });
});

describe("abort", () => {
  it("ends at once when aborted during a backoff wait", async () => {
    const { router, time, fakes } = setup({ "a:one": [{ kind: "error", category: "rate-limited", retryAfterMs: 10_000 }] });
    const controller = new AbortController();
    const options = recorder().options(controller.signal);
    const pending = router.call(request(), {
      ...options,
      onEvent: (event, data) => {
        options.onEvent?.(event, data);
        if (event === "llm/retry") controller.abort();
      },
    });
    const error = await failure(pending, time);
    expect(error.category).toBe("aborted");
    expect(fakes["a:one"]!.calls).toHaveLength(1);
    expect(time.now).toBe(0);
  });

  it("aborts the target's call and does not fail over", async () => {
    const { router, time, fakes } = setup({ "a:one": [{ kind: "hang" }], "b:two": [{ text: "b" }] });
    const controller = new AbortController();
    const pending = router.call(request(), recorder().options(controller.signal));
    setImmediate(() => controller.abort());
    const error = await failure(pending, time);
    expect(error.category).toBe("aborted");
    expect(fakes["a:one"]!.signals[0]!.aborted).toBe(true);
    expect(fakes["b:two"]!.calls).toHaveLength(0);
  });

  it("rejects an already-aborted call without calling a target", async () => {
    const { router, time, connected } = setup({ "a:one": [{ text: "x" }] });
    const controller = new AbortController();
    controller.abort();
    const error = await failure(router.call(request(), recorder().options(controller.signal)), time);
    expect(error.category).toBe("aborted");
    expect(connected).toEqual([]);
  });
});

describe("overrun", () => {
  const cut = (text: string): Behaviour => ({ text, stopReason: "max_tokens", usage: { input: 100, output: 50 } });

  it("re-runs a max_tokens reply with a warmer temperature until it ends", async () => {
    const { router, time, fakes } = setup({ "a:one": [cut("loop loop"), cut("loop again"), { text: "done" }] });
    const rec = recorder();
    const response = await time.run(
      router.call(request({ params: { temperature: 0.2 }, resilience: { overrun: { retries: 2, temperatureBump: 0.3, onExhausted: "fail" } } }), rec.options()),
    );
    expect(response.content).toEqual([{ type: "text", text: "done" }]);
    expect(response.stopReason).toBe("end_turn");
    expect(fakes["a:one"]!.calls.map((c) => c.params.temperature)).toEqual([0.2, 0.5, 0.8]);
    expect(rec.named("llm/overrun")).toEqual([
      { attempt: 1, action: "rerun", target: "a:one", temperature: 0.5 },
      { attempt: 2, action: "rerun", target: "a:one", temperature: 0.8 },
    ]);
  });

  it("bumps from the target's temperature, else 0, and never past maxTemperature", async () => {
    const time = simTime();
    const a = fakeTarget({ provider: "a", model: "one", temperature: 0.9 }, [cut("x"), cut("y"), { text: "z" }], time);
    const router = createModelRouter({ aliases: { main: [a.target] }, connect: () => a, clock: time.clock, sleep: time.sleep });
    await time.run(router.call(request({ resilience: { overrun: { retries: 2, temperatureBump: 0.1, onExhausted: "truncate" } } }), recorder().options()));
    expect(a.calls.map((c) => c.params.temperature)).toEqual([undefined, 1, 1]);
  });

  it("truncates after the last re-run: the cut-off reply comes back with stopReason max_tokens", async () => {
    const { router, time, fakes } = setup({ "a:one": [cut("first"), cut("second")] });
    const rec = recorder();
    const response = await time.run(router.call(request({ resilience: { overrun: { retries: 1, onExhausted: "truncate" } } }), rec.options()));
    expect(response.stopReason).toBe("max_tokens");
    expect(response.content).toEqual([{ type: "text", text: "second" }]);
    expect(fakes["a:one"]!.calls).toHaveLength(2);
    expect(fakes["a:one"]!.calls[1]!.params.temperature).toBeUndefined();
    expect(rec.named("llm/overrun")).toEqual([
      { attempt: 1, action: "rerun", target: "a:one" },
      { attempt: 2, action: "truncate", target: "a:one" },
    ]);
  });

  it("fails with category overrun when so configured, listing the cut-off runs", async () => {
    const { router, time } = setup({ "a:one": [cut("first")] });
    const rec = recorder();
    const error = await failure(router.call(request({ resilience: { overrun: { retries: 2, onExhausted: "fail" } } }), rec.options()), time);
    expect(error.category).toBe("overrun");
    expect(error.attempts?.map((a) => a.outcome)).toEqual(["max_tokens", "max_tokens", "max_tokens"]);
    expect(rec.named("llm/overrun").map((d) => d.action)).toEqual(["rerun", "rerun", "fail"]);
  });

  it("does not stream a re-run's text on top of the cut-off one", async () => {
    const { router, time } = setup({ "a:one": [cut("Once upon"), { deltas: ["Once upon", " a time"] }] });
    const rec = recorder();
    await time.run(router.call(request({ resilience: { overrun: { retries: 1, onExhausted: "fail" } } }), rec.options()));
    expect(rec.text()).toBe("Once upon a time");
  });
});

describe("continuation", () => {
  const seg = (text: string, stopReason: "max_tokens" | "end_turn" = "max_tokens"): Behaviour => ({
    deltas: [text],
    stopReason,
    usage: { input: 100, output: 40 },
  });

  it("stitches a cut-off reply: re-issues with the text so far prefilled and concatenates", async () => {
    const { router, time, fakes } = setup({ "a:one": [seg("The cat sat "), seg(" on the", "max_tokens"), seg(" mat.", "end_turn")] });
    const rec = recorder();
    const response = await time.run(router.call(request(), rec.options()));
    expect(response.content).toEqual([{ type: "text", text: "The cat sat on the mat." }]);
    expect(response.stopReason).toBe("end_turn");
    expect(response.usage).toEqual({ input: 300, output: 120, cacheRead: 0, cacheWrite: 0 });
    const calls = fakes["a:one"]!.calls;
    expect(calls).toHaveLength(3);
    expect(calls[1]!.messages.at(-1)).toEqual({ role: "assistant", content: [{ type: "text", text: "The cat sat" }] });
    expect(calls[2]!.messages.at(-1)).toEqual({ role: "assistant", content: [{ type: "text", text: "The cat sat on the" }] });
    expect(calls[2]!.messages).toHaveLength(2);
    // The trailing space dropped from the prefill and written again is not streamed twice.
    expect(rec.text()).toBe("The cat sat on the mat.");
    expect(rec.named("llm/overrun")).toEqual([
      { attempt: 1, action: "continue", target: "a:one" },
      { attempt: 2, action: "continue", target: "a:one" },
    ]);
  });

  it("stops when a segment adds no text (forward-progress guard)", async () => {
    const { router, time, fakes } = setup({ "a:one": [seg("Some text"), seg("   "), seg("never")] });
    const rec = recorder();
    const response = await time.run(router.call(request(), rec.options()));
    expect(fakes["a:one"]!.calls).toHaveLength(2);
    expect(response.stopReason).toBe("max_tokens");
    expect(response.content).toEqual([{ type: "text", text: "Some text   " }]);
    expect(rec.named("llm/overrun").at(-1)).toEqual({ attempt: 2, action: "truncate", reason: "no-progress", target: "a:one" });
  });

  it("stops at maxSegments", async () => {
    const { router, time, fakes } = setup({ "a:one": [seg("a"), seg("b"), seg("c"), seg("d")] });
    const rec = recorder();
    const response = await time.run(router.call(request({ resilience: { continuation: { maxSegments: 3 } } }), rec.options()));
    expect(fakes["a:one"]!.calls).toHaveLength(3);
    expect(response.content).toEqual([{ type: "text", text: "abc" }]);
    expect(response.stopReason).toBe("max_tokens");
    expect(rec.named("llm/overrun").at(-1)).toMatchObject({ attempt: 3, action: "truncate", reason: "max-segments" });
  });

  it("does not continue a reply with tool calls, nor when continuation is off", async () => {
    const tools = setup({
      "a:one": [{ text: "calling", toolCalls: [{ id: "1", name: "t", input: {} }], stopReason: "max_tokens" }],
    });
    const response = await tools.time.run(tools.router.call(request(), recorder().options()));
    expect(tools.fakes["a:one"]!.calls).toHaveLength(1);
    expect(response.stopReason).toBe("max_tokens");
    const off = setup({ "a:one": [seg("a"), seg("b")] });
    const rec = recorder();
    await off.time.run(off.router.call(request({ resilience: { continuation: false } }), rec.options()));
    expect(off.fakes["a:one"]!.calls).toHaveLength(1);
    expect(rec.named("llm/overrun")).toEqual([]);
  });

  it("keeps thinking blocks and the last segment's tool calls around the stitched text", async () => {
    const { router, time } = setup({
      "a:one": [
        { text: "Part one", thinking: "plan", stopReason: "max_tokens" },
        { text: " and two", toolCalls: [{ id: "9", name: "t", input: { x: 1 } }], stopReason: "tool_use" },
      ],
    });
    const response = await time.run(router.call(request(), recorder().options()));
    expect(response.content).toEqual([
      { type: "thinking", text: "plan" },
      { type: "text", text: "Part one and two" },
      { type: "tool-call", id: "9", name: "t", input: { x: 1 } },
    ]);
    expect(response.stopReason).toBe("tool_use");
  });
});

describe("metrics", () => {
  const facts = (target: ModelTarget) =>
    target.provider === "a" ? { contextWindow: 1000, pricing: { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 } } : undefined;

  it("puts cost and context used on the response", async () => {
    const { router, time } = setup({ "a:one": [{ text: "x", usage: { input: 200, output: 100, cacheRead: 100, cacheWrite: 0 } }] }, undefined, { facts });
    const rec = recorder();
    const response = await time.run(router.call(request(), rec.options()));
    expect(response.costUsd).toBeCloseTo((200 * 3 + 100 * 15 + 100 * 0.3) / 1e6, 12);
    expect(response.contextUsed).toBe(0.4);
    expect(rec.named("llm/context-warning")).toEqual([]);
  });

  it("warns at 80% of the window (or the policy's threshold)", async () => {
    const { router, time } = setup({ "a:one": [{ text: "x", usage: { input: 700, output: 100 } }] }, undefined, { facts });
    const rec = recorder();
    const response = await time.run(router.call(request(), rec.options()));
    expect(response.contextUsed).toBe(0.8);
    expect(rec.named("llm/context-warning")).toEqual([{ used: 0.8, target: "a:one", contextWindow: 1000 }]);
    const lower = recorder();
    await time.run(router.call(request({ resilience: { contextWarning: 0.9 } }), lower.options()));
    expect(lower.named("llm/context-warning")).toEqual([]);
  });

  it("clamps context used to 1 and leaves both fields out when the catalog knows nothing", async () => {
    const { router, time } = setup(
      { "a:one": [{ text: "x", usage: { input: 5000 } }], "b:two": [{ text: "y" }] },
      { main: ["a:one"], other: ["b:two"] },
      { facts },
    );
    const full = await time.run(router.call(request(), recorder().options()));
    expect(full.contextUsed).toBe(1);
    const unknown = await time.run(router.call(request({ model: "other" }), recorder().options()));
    expect(unknown).not.toHaveProperty("costUsd");
    expect(unknown).not.toHaveProperty("contextUsed");
  });

  it("bills every completed try: overrun re-runs are paid for", async () => {
    const { router, time } = setup(
      {
        "a:one": [
          { text: "cut", stopReason: "max_tokens", usage: { input: 100, output: 100 } },
          { text: "ok", usage: { input: 100, output: 10 } },
        ],
      },
      undefined,
      { facts },
    );
    const response = await time.run(router.call(request({ resilience: { overrun: { retries: 1, onExhausted: "fail" } } }), recorder().options()));
    expect(response.costUsd).toBeCloseTo((100 * 3 + 100 * 15 + 100 * 3 + 10 * 15) / 1e6, 12);
  });

  it("uses a custom price function", async () => {
    const { router, time } = setup({ "a:one": [{ text: "x" }] }, undefined, { facts, costUsd: () => 0.5 });
    const response = await time.run(router.call(request(), recorder().options()));
    expect(response.costUsd).toBe(0.5);
  });

  it("measures ttftMs from the start of the call, retries included", async () => {
    const { router, time } = setup({
      "a:one": [
        { kind: "error", category: "overloaded" },
        { text: "x", firstTokenMs: 100 },
      ],
    });
    const response = await time.run(router.call(request(), recorder().options()));
    expect(response.ttftMs).toBe(600);
  });
});

describe("policy validation", () => {
  it("rejects a bad request policy as invalid-request naming the field", async () => {
    const { router, time, connected } = setup({ "a:one": [{ text: "x" }] });
    const bad = [
      [{ retry: { maxAttempts: 0 } }, "resilience.retry.maxAttempts"],
      [{ retires: 3 }, 'unknown field(s) "retires"'],
      [{ latency: { firstTokenMs: -1 } }, "resilience.latency"],
      [{ overrun: { retries: 1 } }, "onExhausted"],
      [{ overrun: { retries: 1, onExhausted: "explode" } }, "onExhausted"],
      [{ latency: { firstTokenMs: 10, fallback: ["nocolon"] } }, "provider:model"],
    ] as const;
    for (const [policy, field] of bad) {
      const error = await failure(router.call(request({ resilience: policy as never }), recorder().options()), time);
      expect(error.category).toBe("invalid-request");
      expect(error.message).toContain(field);
    }
    expect(connected).toEqual([]);
  });

  it("validates the router's own defaults when it is built", () => {
    expect(() => createModelRouter({ aliases: {}, connect: () => undefined as never, resilience: { retry: { jitter: 2 } } as never })).toThrow(
      /router resilience\.retry\.jitter/,
    );
  });

  it("merges router defaults under the request's policy", async () => {
    const { router, time, fakes } = setup({ "a:one": [{ kind: "error", category: "timeout" }] }, undefined, {
      resilience: { retry: { maxAttempts: 5, baseDelayMs: 10 } },
    });
    await failure(router.call(request({ resilience: { retry: { maxAttempts: 2 } } }), recorder().options()), time);
    expect(fakes["a:one"]!.calls).toHaveLength(2);
    expect(time.sleeps).toEqual([10]);
  });
});

describe("with the model catalog", () => {
  const catalog = createCatalog({
    providers: [
      { name: "a", kind: "anthropic" },
      { name: "b", kind: "openai" },
    ],
    bundled: {},
    overlay: {
      "a:one": { contextWindow: 8000, vision: false, pricing: { input: 3, output: 15 } },
      "b:two": { contextWindow: 200_000, vision: true, pricing: { input: 1, output: 4 } },
    },
  });

  it("gates by needs, prices and measures the window from catalog facts", async () => {
    const { router, time, fakes } = setup({ "a:one": [{ text: "a" }], "b:two": [{ text: "b", usage: { input: 160_000, output: 1000 } }] }, undefined, {
      catalog,
      needs: { vision: true },
    });
    const rec = recorder();
    const response = await time.run(router.call(request(), rec.options()));
    expect(response.target).toBe("b:two");
    expect(fakes["a:one"]!.calls).toHaveLength(0);
    expect(response.costUsd).toBeCloseTo((160_000 * 1 + 1000 * 4) / 1e6, 12);
    expect(response.contextUsed).toBe(0.805);
    expect(rec.named("llm/context-warning")).toEqual([{ used: 0.805, target: "b:two", contextWindow: 200_000 }]);
  });

  it("takes needs per request", async () => {
    const { router, time } = setup({ "a:one": [{ text: "a" }], "b:two": [{ text: "b" }] }, undefined, {
      catalog,
      needs: (req) => (req.tools.length > 0 ? { contextWindow: [">=", 100_000] } : undefined),
    });
    expect((await time.run(router.call(request(), recorder().options()))).target).toBe("a:one");
    const withTools = request({ tools: [{ name: "t", description: "", inputSchema: {} }] });
    expect((await time.run(router.call(withTools, recorder().options()))).target).toBe("b:two");
  });

  it("fails open when no target meets the needs", async () => {
    const { router, time } = setup({ "a:one": [{ text: "a" }], "b:two": [{ text: "b" }] }, undefined, {
      catalog,
      needs: { contextWindow: [">=", 1_000_000] },
    });
    const rec = recorder();
    const response = await time.run(router.call(request(), rec.options()));
    expect(response.target).toBe("a:one");
    expect(rec.named("llm/model-policy-empty")).toEqual([
      expect.objectContaining({ alias: "main", strict: false, rejected: [expect.stringContaining("a:one: contextWindow 8000"), expect.any(String)] }),
    ]);
  });

  it("fails closed under eligibilityStrict with the catalog's message", async () => {
    const { router, time, connected } = setup({ "a:one": [{ text: "a" }], "b:two": [{ text: "b" }] }, undefined, {
      catalog,
      strict: true,
      needs: { contextWindow: [">=", 1_000_000] },
    });
    const rec = recorder();
    const error = await failure(router.call(request(), rec.options()), time);
    expect(error.category).toBe("invalid-request");
    expect(error.message).toContain('no target of alias "main"');
    expect(rec.named("llm/model-policy-empty")).toMatchObject([{ alias: "main", strict: true }]);
    expect(connected).toEqual([]);
  });

  it("refuses needs without a catalog to test them against", () => {
    expect(() => createModelRouter({ aliases: {}, connect: () => undefined as never, needs: { vision: true } })).toThrow(/catalog/);
  });
});
