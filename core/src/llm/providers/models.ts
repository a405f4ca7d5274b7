/**
 * ProviderSpec + model id -> an AI SDK LanguageModelV3. Base URLs and keys are always passed
 * explicitly, so the SDKs never fall back to process environment variables.
 */
import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAI } from "@ai-sdk/openai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import type { JSONObject, LanguageModelV3, LanguageModelV3Usage } from "@ai-sdk/provider";
import { LlmError } from "../llm-error.js";
import type { ProviderKind } from "./provider-kinds.js";
import type { FetchFunction, ProviderSpec } from "./types.js";

/** Where each kind goes without a `baseURL`. `openai-compatible` has none: it needs one. */
export const defaultBaseURLs: Readonly<Record<Exclude<ProviderKind, "openai-compatible">, string>> = {
  anthropic: "https://api.anthropic.com/v1",
  openai: "https://api.openai.com/v1",
  openrouter: "https://openrouter.ai/api/v1",
  ollama: "http://localhost:11434/v1",
  zai: "https://api.z.ai/api/paas/v4",
};

/** Kinds whose public endpoint always wants a key (a custom baseURL, e.g. a proxy, may not). */
const keyRequired: ReadonlySet<ProviderKind> = new Set(["anthropic", "openai", "openrouter", "zai"]);

/** Image URLs the OpenAI-compatible servers fetch themselves; for Ollama the AI SDK inlines them. */
const passImageUrls = { "image/*": [/^https?:\/\/.*$/] };

export function baseURLOf(provider: ProviderSpec): string {
  if (provider.baseURL !== undefined && provider.baseURL !== "") return provider.baseURL.replace(/\/+$/, "");
  if (provider.kind === "openai-compatible") throw new LlmError("invalid-request", `provider "${provider.name}" (openai-compatible) needs a baseURL`);
  return defaultBaseURLs[provider.kind];
}

export function revealKey(provider: ProviderSpec): string | undefined {
  const key = provider.apiKey;
  if (key === undefined) return undefined;
  const value = typeof key === "string" ? key : key.reveal();
  return value === "" ? undefined : value;
}

/**
 * Why a provider cannot be called at all, before any request: a kind that needs a key, talking
 * to its public endpoint (no baseURL, or the default one), without one. A custom baseURL (a
 * proxy, a gateway) may not need a key, so it is tried.
 */
export function missingKeyProblem(provider: ProviderSpec): string | undefined {
  if (!keyRequired.has(provider.kind) || revealKey(provider) !== undefined) return undefined;
  if (provider.kind !== "openai-compatible" && baseURLOf(provider) !== defaultBaseURLs[provider.kind]) return undefined;
  return `provider "${provider.name}" (${provider.kind}) has no API key`;
}

/** The AI SDK model for one provider and model id. */
export function languageModelFor(provider: ProviderSpec, modelId: string, fetch?: FetchFunction): LanguageModelV3 {
  const baseURL = baseURLOf(provider);
  const apiKey = revealKey(provider);
  const headers = provider.headers ?? {};
  switch (provider.kind) {
    case "anthropic":
      // apiKey "" (not undefined) keeps the SDK off ANTHROPIC_API_KEY.
      return createAnthropic({ baseURL, apiKey: apiKey ?? "", headers, ...(fetch ? { fetch } : {}) }).messages(modelId);
    case "openai":
      return createOpenAI({ baseURL, apiKey: apiKey ?? "", headers, ...(fetch ? { fetch } : {}) }).chat(modelId);
    case "openrouter":
    case "zai":
    case "ollama":
    case "openai-compatible":
      return createOpenAICompatible({
        name: provider.name,
        baseURL,
        ...(apiKey === undefined ? {} : { apiKey }),
        headers,
        includeUsage: true,
        ...(provider.kind === "ollama" ? {} : { supportedUrls: () => passImageUrls }),
        convertUsage: compatibleUsage,
        ...(fetch ? { fetch } : {}),
      }).chatModel(modelId);
  }
}

type CompatibleUsage =
  | {
      prompt_tokens?: number | null;
      completion_tokens?: number | null;
      prompt_tokens_details?: { cached_tokens?: number | null; cache_write_tokens?: unknown } | null;
      completion_tokens_details?: { reasoning_tokens?: number | null } | null;
    }
  | null
  | undefined;

/**
 * The SDK's OpenAI-compatible usage plus `prompt_tokens_details.cache_write_tokens`, which
 * OpenRouter reports for providers that bill cache writes.
 */
export function compatibleUsage(usage: CompatibleUsage): LanguageModelV3Usage {
  if (usage == null) {
    return {
      inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
      outputTokens: { total: undefined, text: undefined, reasoning: undefined },
    };
  }
  const prompt = usage.prompt_tokens ?? 0;
  const completion = usage.completion_tokens ?? 0;
  const cacheRead = usage.prompt_tokens_details?.cached_tokens ?? 0;
  const rawWrite = usage.prompt_tokens_details?.cache_write_tokens;
  const cacheWrite = typeof rawWrite === "number" ? rawWrite : undefined;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens ?? 0;
  return {
    inputTokens: { total: prompt, noCache: Math.max(0, prompt - cacheRead - (cacheWrite ?? 0)), cacheRead, cacheWrite },
    outputTokens: { total: completion, text: Math.max(0, completion - reasoning), reasoning },
    raw: usage as JSONObject,
  };
}
