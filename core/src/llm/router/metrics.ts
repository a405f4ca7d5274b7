import type { Usage } from "../protocol.js";

/**
 * What the router needs to know about a target, from the model catalog. A structural seam: the
 * catalog's `lookupModel` / `costUsd` are adapted into it where the router is built.
 */
export interface TargetFacts {
  /** Context window in tokens. */
  contextWindow?: number;
  /** Price of one call's usage in USD; `undefined` when the price is not known. */
  costUsd?: (usage: Usage) => number | undefined;
}

/** Tokens the conversation occupies after a reply: the whole prompt (cached parts included) plus the reply. */
export const tokensInContext = (usage: Usage): number => usage.input + usage.cacheRead + usage.cacheWrite + usage.output;

/** Fraction of the window in use, in [0, 1], rounded to 4 places; `undefined` without a known window. */
export function contextUsed(usage: Usage, facts: TargetFacts | undefined): number | undefined {
  const window = facts?.contextWindow;
  if (window === undefined || !(window > 0)) return undefined;
  return Math.min(1, Math.round((tokensInContext(usage) / window) * 10_000) / 10_000);
}

export function costOf(usage: Usage, facts: TargetFacts | undefined): number | undefined {
  const cost = facts?.costUsd?.(usage);
  return cost === undefined || !Number.isFinite(cost) || cost < 0 ? undefined : cost;
}

export const addUsage = (a: Usage, b: Usage): Usage => ({
  input: a.input + b.input,
  output: a.output + b.output,
  cacheRead: a.cacheRead + b.cacheRead,
  cacheWrite: a.cacheWrite + b.cacheWrite,
});
