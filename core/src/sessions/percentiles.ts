/** Nearest-rank percentiles of a sample; undefined for an empty sample. */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export interface Spread {
  count: number;
  p50?: number;
  p90?: number;
  p99?: number;
  max?: number;
}

export function spreadOf(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => percentile(sorted, p);
  const spread: Spread = { count: sorted.length };
  if (sorted.length > 0) {
    spread.p50 = at(50)!;
    spread.p90 = at(90)!;
    spread.p99 = at(99)!;
    spread.max = sorted[sorted.length - 1]!;
  }
  return spread;
}
