import type { ResolvedResilience } from "./policy.js";

/**
 * Delay before retry number `retry` (1 = the first retry) of one target.
 *
 * Exponential: `baseDelayMs * factor^(retry-1)`, capped at `maxDelayMs`, then scaled by a random
 * factor in [1 - jitter, 1 + jitter]. A server's retry-after is a floor: the delay is never shorter
 * than it, and when it dominates, jitter only adds up to `baseDelayMs * jitter` to it (so a fleet of clients does not come back
 * in the same millisecond). Returns `undefined` when retry-after exceeds `maxRetryAfterMs`: not
 * worth waiting for, fail over instead. Pure; `random` returns a number in [0, 1).
 */
export function backoffDelay(retry: number, policy: ResolvedResilience["retry"], random: () => number, retryAfterMs?: number): number | undefined {
  if (retryAfterMs !== undefined && retryAfterMs > policy.maxRetryAfterMs) return undefined;
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * policy.factor ** Math.max(0, retry - 1));
  const jittered = exponential * (1 - policy.jitter + 2 * policy.jitter * random());
  if (retryAfterMs === undefined || retryAfterMs <= jittered) return Math.round(jittered);
  return Math.round(retryAfterMs + policy.baseDelayMs * policy.jitter * random());
}
