import { describe, expect, it } from "vitest";
import { costUsd } from "../../src/llm/catalog/index.js";

const usage = (input: number, output: number, cacheRead = 0, cacheWrite = 0) => ({ input, output, cacheRead, cacheWrite });
const sonnet = { pricing: { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 } };

describe("costUsd", () => {
  it("prices each of the four disjoint counts per million tokens", () => {
    expect(costUsd(sonnet, usage(1_000_000, 0))).toBeCloseTo(3, 10);
    expect(costUsd(sonnet, usage(0, 1_000_000))).toBeCloseTo(15, 10);
    expect(costUsd(sonnet, usage(0, 0, 1_000_000))).toBeCloseTo(0.3, 10);
    expect(costUsd(sonnet, usage(0, 0, 0, 1_000_000))).toBeCloseTo(3.75, 10);
    expect(costUsd(sonnet, usage(1200, 350, 10_000, 2000))).toBeCloseTo((1200 * 3 + 350 * 15 + 10_000 * 0.3 + 2000 * 3.75) / 1e6, 12);
  });

  it("is 0 for no tokens, and for free models", () => {
    expect(costUsd(sonnet, usage(0, 0))).toBe(0);
    expect(costUsd({ pricing: { input: 0, output: 0 } }, usage(5000, 5000))).toBe(0);
  });

  it("falls back to the input price for an unknown cache price", () => {
    expect(costUsd({ pricing: { input: 2, output: 8 } }, usage(0, 0, 1_000_000, 1_000_000))).toBeCloseTo(4, 10);
  });

  it("is undefined when a used count has no price, or nothing is known", () => {
    expect(costUsd(undefined, usage(1, 1))).toBeUndefined();
    expect(costUsd({}, usage(1, 1))).toBeUndefined();
    expect(costUsd({ pricing: { input: 3 } }, usage(10, 10))).toBeUndefined();
    expect(costUsd({ pricing: { input: 3 } }, usage(10, 0))).toBeCloseTo(0.00003, 12);
  });
});
