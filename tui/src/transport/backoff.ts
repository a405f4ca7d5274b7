/** Reconnect delays: exponential from `initialMs`, capped at `maxMs`, within a bounded window. */
export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 250, maxMs: 5_000, factor: 2 };

/**
 * How long a lost connection is retried before the core counts as gone for good: a core that
 * exited refuses every attempt, so after this window reconnecting cannot help.
 */
export const RECONNECT_WINDOW_MS = 10_000;

/** Delay before reconnect attempt `attempt` (1-based). */
export const backoffDelay = (backoff: Backoff, attempt: number): number =>
  Math.min(backoff.maxMs, backoff.initialMs * backoff.factor ** Math.max(0, attempt - 1));

/**
 * Delay before attempt `attempt`, `lostForMs` after the connection was lost: the backoff, cut
 * so that the last attempt falls on the end of the window; undefined once the window is over.
 */
export const reconnectDelay = (backoff: Backoff, attempt: number, lostForMs: number, windowMs: number): number | undefined => {
  const left = windowMs - lostForMs;
  if (left <= 0) return undefined;
  return Math.min(backoffDelay(backoff, attempt), left);
};
