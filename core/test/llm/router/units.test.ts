import { describe, expect, it } from "vitest";
import {
  StreamGuard,
  backoffDelay,
  contextUsed,
  defaultCostUsd,
  defaultResilience,
  defaultRetry,
  parseResiliencePolicy,
  ResiliencePolicyError,
  resolveResilience,
} from "../../../src/llm/router/index.js";
import type { ModelDelta } from "../../../src/llm/protocol.js";

describe("backoffDelay", () => {
  const policy = { ...defaultRetry, baseDelayMs: 100, factor: 2, maxDelayMs: 1000, jitter: 0.5 };

  it("grows exponentially and stops at maxDelayMs", () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy, mid))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it("spreads by ±jitter", () => {
    expect(backoffDelay(1, policy, () => 0)).toBe(50);
    expect(backoffDelay(1, policy, () => 0.999999)).toBe(150);
    expect(backoffDelay(1, { ...policy, jitter: 0 }, Math.random)).toBe(100);
  });

  it("never retries before a retry-after, and only adds jitter above it", () => {
    expect(backoffDelay(1, policy, () => 0, 5000)).toBe(5000);
    expect(backoffDelay(1, policy, () => 0.999999, 5000)).toBe(5050);
    expect(backoffDelay(4, policy, () => 0.5, 10)).toBe(800);
  });

  it("gives up on a retry-after past maxRetryAfterMs", () => {
    expect(backoffDelay(1, { ...policy, maxRetryAfterMs: 1000 }, () => 0.5, 1001)).toBeUndefined();
    expect(backoffDelay(1, { ...policy, maxRetryAfterMs: 1000 }, () => 0.5, 1000)).toBe(1000 + 25);
  });
});

describe("StreamGuard", () => {
  const collect = () => {
    const out: ModelDelta[] = [];
    const diverged: [string, number][] = [];
    const guard = new StreamGuard(
      (d) => out.push(d),
      (kind, chars) => diverged.push([kind, chars]),
    );
    return { out, diverged, guard, text: () => out.map((d) => d.text).join("") };
  };

  it("passes a first try straight through", () => {
    const { guard, out } = collect();
    const t = guard.begin();
    t.push({ kind: "text", text: "a" });
    t.push({ kind: "text", text: "b" });
    expect(out).toEqual([
      { kind: "text", text: "a" },
      { kind: "text", text: "b" },
    ]);
    expect(guard.forwardedAny).toBe(true);
  });

  it("forwards only what a retry adds beyond the emitted text, even mid-fragment", () => {
    const { guard, text, diverged } = collect();
    const first = guard.begin();
    first.push({ kind: "text", text: "Hello, wo" });
    first.close();
    const second = guard.begin();
    for (const part of ["He", "llo", ", world", " again"]) second.push({ kind: "text", text: part });
    expect(text()).toBe("Hello, world again");
    expect(diverged).toEqual([]);
  });

  it("mutes a contradicting try once and forwards nothing more from it", () => {
    const { guard, text, diverged } = collect();
    const first = guard.begin();
    first.push({ kind: "text", text: "abc" });
    const second = guard.begin();
    second.push({ kind: "text", text: "ax" });
    second.push({ kind: "text", text: "yz and more" });
    expect(text()).toBe("abc");
    expect(diverged).toEqual([["text", 3]]);
  });

  it("drops deltas of a closed try", () => {
    const { guard, out } = collect();
    const t = guard.begin();
    t.close();
    t.push({ kind: "text", text: "late" });
    expect(out).toEqual([]);
  });

  it("treats a continuation's base as already said", () => {
    const { guard, text } = collect();
    const first = guard.begin();
    first.push({ kind: "text", text: "The end is " });
    const next = guard.begin({ text: "The end is" });
    next.push({ kind: "text", text: " near." });
    expect(text()).toBe("The end is near.");
  });

  it("does not forward the base of a continuation nobody streamed", () => {
    const { guard, out } = collect();
    guard.begin({ text: "unstreamed" });
    expect(out).toEqual([]);
  });
});

describe("resilience policy", () => {
  it("accepts every knob", () => {
    const policy = {
      retry: { maxAttempts: 4, baseDelayMs: 250, factor: 3, maxDelayMs: 8000, jitter: 0.1, maxRetryAfterMs: 30_000 },
      failover: true,
      cooldownMs: 5000,
      latency: { firstTokenMs: 4000, fallback: ["anthropic:claude-haiku-4-5", { provider: "openai", model: "gpt-4.1-mini" }] },
      overrun: { retries: 2, temperatureBump: 0.2, maxTemperature: 1, onExhausted: "truncate" as const },
      continuation: { maxSegments: 3 },
      contextWarning: 0.75,
    };
    expect(parseResiliencePolicy(policy)).toEqual(policy);
    const resolved = resolveResilience(policy);
    expect(resolved.latency?.fallback).toEqual([
      { provider: "anthropic", model: "claude-haiku-4-5" },
      { provider: "openai", model: "gpt-4.1-mini" },
    ]);
    expect(resolved.retry.maxAttempts).toBe(4);
  });

  it("names every bad field", () => {
    try {
      parseResiliencePolicy({ retry: { maxAttempts: 1.5, jitter: 3 }, cooldownMs: "1s" }, "conversation resilience");
      throw new Error("expected a failure");
    } catch (error) {
      expect(error).toBeInstanceOf(ResiliencePolicyError);
      const paths = (error as ResiliencePolicyError).issues.map((issue) => issue.path).sort();
      expect(paths).toEqual(["conversation resilience.cooldownMs", "conversation resilience.retry.jitter", "conversation resilience.retry.maxAttempts"]);
    }
  });

  it("merges layers section by section; false turns a section off", () => {
    const router = resolveResilience({ retry: { maxAttempts: 5 }, latency: { firstTokenMs: 3000 }, overrun: { retries: 1, onExhausted: "fail" } });
    const call = resolveResilience(
      { retry: { maxAttempts: 5 }, latency: { firstTokenMs: 3000 }, overrun: { retries: 1, onExhausted: "fail" } },
      { retry: { baseDelayMs: 1 }, latency: false, continuation: false },
    );
    expect(router.retry).toEqual({ ...defaultRetry, maxAttempts: 5 });
    expect(call.retry).toEqual({ ...defaultRetry, maxAttempts: 5, baseDelayMs: 1 });
    expect(call.latency).toBeUndefined();
    expect(call.overrun).toEqual({ retries: 1, temperatureBump: 0, maxTemperature: 1, onExhausted: "fail" });
    expect(call.continuation).toBeUndefined();
    expect(resolveResilience()).toBe(defaultResilience);
  });
});

describe("metrics", () => {
  it("prices usage per million tokens, cache at its own rate or the input rate", () => {
    const usage = { input: 1_000_000, output: 1_000_000, cacheRead: 1_000_000, cacheWrite: 1_000_000 };
    expect(defaultCostUsd(usage, { pricing: { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 } })).toBeCloseTo(22.05);
    expect(defaultCostUsd(usage, { pricing: { input: 1, output: 2 } })).toBe(5);
    expect(defaultCostUsd(usage, { pricing: { input: 1 } })).toBeUndefined();
    expect(defaultCostUsd(usage, {})).toBeUndefined();
  });

  it("counts the whole prompt and the reply against the window", () => {
    expect(contextUsed({ input: 100, output: 50, cacheRead: 300, cacheWrite: 50 }, { contextWindow: 1000 })).toBe(0.5);
    expect(contextUsed({ input: 1, output: 0, cacheRead: 0, cacheWrite: 0 }, { contextWindow: 3 })).toBe(0.3333);
    expect(contextUsed({ input: 1, output: 0, cacheRead: 0, cacheWrite: 0 }, {})).toBeUndefined();
  });
});
