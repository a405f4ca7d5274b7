import { costUsd as catalogCostUsd } from "../catalog/cost.js";
import type { Usage } from "../protocol.js";

/** USD per million tokens (the catalog's `ModelPricing`). */
export interface TargetPricing {
  input?: number;
  output?: number;
  cacheRead?: number;
  cacheWrite?: number;
}

/**
 * What the router needs to know about a target: structurally a subset of the catalog's
 * `ModelFacts`, so `facts: (target) => lookupModel(...)` plugs in as is.
 */
export interface TargetFacts {
  /** Context window in tokens. */
  contextWindow?: number;
  pricing?: TargetPricing;
}

/** Prices one call's usage; `undefined` when the price is not known. */
export type CostFunction = (usage: Usage, facts: TargetFacts) => number | undefined;

/**
 * The default price: the catalog's `costUsd` (per-million rates for uncached input, output, cache
 * reads and writes; a missing cache rate falls back to the input rate; unknown is not free).
 */
export const defaultCostUsd: CostFunction = (usage, facts) => catalogCostUsd(facts, usage);

/** Tokens the conversation occupies after a reply: the whole prompt (cached parts included) plus the reply. */
export const tokensInContext = (usage: Usage): number => usage.input + usage.cacheRead + usage.cacheWrite + usage.output;

/** Fraction of the window in use, in [0, 1], rounded to 4 places; `undefined` without a known window. */
export function contextUsed(usage: Usage, facts: TargetFacts | undefined): number | undefined {
  const window = facts?.contextWindow;
  if (window === undefined || !(window > 0)) return undefined;
  return Math.min(1, Math.round((tokensInContext(usage) / window) * 10_000) / 10_000);
}

export function costOf(usage: Usage, facts: TargetFacts | undefined, price: CostFunction = defaultCostUsd): number | undefined {
  if (facts === undefined) return undefined;
  const cost = price(usage, facts);
  return cost === undefined || !Number.isFinite(cost) || cost < 0 ? undefined : cost;
}

export const addUsage = (a: Usage, b: Usage): Usage => ({
  input: a.input + b.input,
  output: a.output + b.output,
  cacheRead: a.cacheRead + b.cacheRead,
  cacheWrite: a.cacheWrite + b.cacheWrite,
});
