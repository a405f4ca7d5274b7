import { describe, expect, it } from "vitest";
import { LlmError } from "../../src/llm/llm-error.js";
import { createCatalog, describeNeeds, filterTargets, needsSchema, type BundledCatalog } from "../../src/llm/catalog/index.js";
import type { ModelTarget } from "../../src/llm/target.js";

const model = (id: string, context: number, vision: boolean, toolCall = true) => ({
  id,
  tool_call: toolCall,
  modalities: { input: vision ? ["text", "image"] : ["text"] },
  limit: { context, output: 8192 },
});

const bundled: BundledCatalog = {
  anthropic: { id: "anthropic", models: { big: model("big", 200000, true), small: model("small", 8192, true) } },
  openai: { id: "openai", models: { textonly: model("textonly", 128000, false), notools: model("notools", 128000, true, false) } },
};
const providers = [
  { name: "anthropic", kind: "anthropic" as const },
  { name: "openai", kind: "openai" as const },
  { name: "vllm", kind: "openai-compatible" as const },
];
const catalog = createCatalog({ bundled, providers, overlay: { "vllm:partial": { vision: true } } });

const t = (provider: string, model: string): ModelTarget => ({ provider, model });
const small = t("anthropic", "small");
const big = t("anthropic", "big");
const textonly = t("openai", "textonly");
const notools = t("openai", "notools");
const unknown = t("vllm", "mystery");
const partial = t("vllm", "partial");

describe("filterTargets", () => {
  it("keeps the targets that meet every need, in their original order", () => {
    const result = filterTargets([small, textonly, big, notools], { contextWindow: [">=", 100000], vision: true, toolCalling: true }, catalog);
    expect(result.eligible).toEqual([big]);
    expect(result.rejected).toEqual([
      { target: small, reasons: ["contextWindow 8192, needs >= 100000"] },
      { target: textonly, reasons: ["vision false, needs true"] },
      { target: notools, reasons: ["toolCalling false, needs true"] },
    ]);
    expect(result.policyEmpty).toBe(false);
    expect(result.error).toBeUndefined();
    const order = filterTargets([notools, big, textonly], { contextWindow: [">=", 100000] }, catalog).eligible;
    expect(order).toEqual([notools, big, textonly]);
  });

  it('a bare value is equality; ["<=", n] is an upper bound', () => {
    expect(filterTargets([small, big], { contextWindow: 8192 }, catalog).eligible).toEqual([small]);
    expect(filterTargets([small, big], { contextWindow: ["<=", 100000] }, catalog).eligible).toEqual([small]);
    expect(filterTargets([small, textonly], { vision: false }, catalog).eligible).toEqual([textonly]);
  });

  it("no needs: every target is eligible", () => {
    expect(filterTargets([small, unknown], {}, catalog)).toEqual({ eligible: [small, unknown], rejected: [], unverified: [], policyEmpty: false });
  });

  it("unknown facts, not strict: eligible, and listed as unverified", () => {
    const result = filterTargets([unknown, partial, small], { contextWindow: [">=", 100000], vision: true }, catalog);
    expect(result.eligible).toEqual([unknown, partial]);
    expect(result.unverified).toEqual([
      { target: unknown, unknown: ["contextWindow", "vision"] },
      { target: partial, unknown: ["contextWindow"] },
    ]);
    expect(result.rejected.map((r) => r.target)).toEqual([small]);
  });

  it("unknown facts, strict: not eligible", () => {
    const result = filterTargets([unknown, partial, big], { contextWindow: [">=", 100000], vision: true }, catalog, { strict: true });
    expect(result.eligible).toEqual([big]);
    expect(result.rejected).toEqual([
      { target: unknown, reasons: ["contextWindow unknown (eligibilityStrict)", "vision unknown (eligibilityStrict)"] },
      { target: partial, reasons: ["contextWindow unknown (eligibilityStrict)"] },
    ]);
    expect(result.unverified).toEqual([]);
  });

  it("all filtered out, not strict: fails open with every target and policyEmpty", () => {
    const result = filterTargets([small, textonly], { contextWindow: [">=", 1000000] }, catalog);
    expect(result.policyEmpty).toBe(true);
    expect(result.eligible).toEqual([small, textonly]);
    expect(result.rejected).toHaveLength(2);
    expect(result.error).toBeUndefined();
  });

  it("all filtered out, strict: fails closed with a categorized error naming the alias and why", () => {
    const result = filterTargets([small, unknown], { contextWindow: [">=", 100000] }, catalog, { strict: true, alias: "fast" });
    expect(result.eligible).toEqual([]);
    expect(result.policyEmpty).toBe(false);
    expect(result.error).toBeInstanceOf(LlmError);
    expect(result.error?.category).toBe("invalid-request");
    expect(result.error?.message).toBe(
      'no target of alias "fast" meets the needs {contextWindow >= 100000}: anthropic:small (contextWindow 8192, needs >= 100000), vllm:mystery (contextWindow unknown (eligibilityStrict))',
    );
  });

  it("no targets: nothing eligible, not a policy failure", () => {
    expect(filterTargets([], { vision: true }, catalog, { strict: true })).toEqual({ eligible: [], rejected: [], unverified: [], policyEmpty: false });
  });

  it("does not change its inputs", () => {
    const targets = [small, big];
    const needs = { contextWindow: [">=", 100000] as [">=", number] };
    filterTargets(targets, needs, catalog);
    expect(targets).toEqual([small, big]);
    expect(needs).toEqual({ contextWindow: [">=", 100000] });
  });
});

describe("needsSchema", () => {
  it("accepts bare values and bounds", () => {
    const needs = { contextWindow: [">=", 100000], maxOutput: ["<=", 8192], vision: true, toolCalling: true, reasoning: false };
    expect(needsSchema.parse(needs)).toEqual(needs);
    expect(needsSchema.parse({ contextWindow: 8192 })).toEqual({ contextWindow: 8192 });
    expect(describeNeeds(needsSchema.parse(needs))).toBe("{contextWindow >= 100000, maxOutput <= 8192, vision true, toolCalling true, reasoning false}");
  });

  it("rejects unknown needs, bad operators and wrong types", () => {
    for (const bad of [
      { context: 5 },
      { contextWindow: [">", 5] },
      { contextWindow: ["==", 5] },
      { contextWindow: "big" },
      { vision: "yes" },
      { contextWindow: [">=", -1] },
    ]) {
      expect(needsSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });
});
