import type { Usage } from "../protocol.js";
import type { ModelFacts } from "./facts.js";

/**
 * What a call cost in USD, from per-million-token prices. The four usage counts are disjoint:
 * `input` is input billed at the base rate (not cache reads or writes). A cache price the
 * catalog does not know falls back to the input price. `undefined` when a count is non-zero and
 * its price is unknown (unknown is not free).
 */
export const costUsd = (facts: Pick<ModelFacts, "pricing"> | undefined, usage: Usage): number | undefined => {
  const pricing = facts?.pricing;
  if (!pricing) return undefined;
  const parts: Array<[count: number, perMillion: number | undefined]> = [
    [usage.input, pricing.input],
    [usage.output, pricing.output],
    [usage.cacheRead, pricing.cacheRead ?? pricing.input],
    [usage.cacheWrite, pricing.cacheWrite ?? pricing.input],
  ];
  let total = 0;
  for (const [count, perMillion] of parts) {
    if (count === 0) continue;
    if (perMillion === undefined) return undefined;
    total += (count * perMillion) / 1_000_000;
  }
  return total;
};
