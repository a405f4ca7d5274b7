/** Error categories are values, not strings to grep. */
export const llmErrorCategories = [
  "rate-limited",
  "overloaded",
  "auth",
  "invalid-request",
  "context-length",
  "timeout",
  "transport",
  "aborted",
  "unknown-alias",
  "script-exhausted",
  "script-mismatch",
  "tool-validation",
  "max-turns",
  "cassette-miss",
  "loop-detected",
  "overrun",
] as const;

export type LlmErrorCategory = (typeof llmErrorCategories)[number];

/** One try of one target while the model layer served a call (see `LlmError.attempts`). */
export interface LlmAttempt {
  /** Target id, e.g. "anthropic:claude-sonnet-4-5". */
  target: string;
  /** 1-based try number on this target within the call. */
  attempt: number;
  /** "error": it failed; "slow": abandoned for no first token in time; "max_tokens": answered but cut off. */
  outcome: "error" | "slow" | "max_tokens";
  category?: LlmErrorCategory;
  message?: string;
  elapsedMs: number;
}

const transient: ReadonlySet<LlmErrorCategory> = new Set(["rate-limited", "overloaded", "timeout", "transport"]);

/** Failures no chart can handle sensibly: they end the run (with their category) instead of becoming chart events. */
const endsRun: ReadonlySet<LlmErrorCategory> = new Set(["cassette-miss", "loop-detected"]);

export class LlmError extends Error {
  override readonly name = "LlmError";
  readonly category: LlmErrorCategory;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  /** Structured facts for the transcript row (e.g. `{count, requestKey}` for loop-detected). */
  readonly detail: Record<string, unknown> | undefined;
  /** Every try the model layer made before giving up, in order (set by the model router). */
  readonly attempts: readonly LlmAttempt[] | undefined;

  constructor(
    category: LlmErrorCategory,
    message: string,
    options: {
      status?: number;
      retryAfterMs?: number;
      cause?: unknown;
      detail?: Record<string, unknown>;
      attempts?: readonly LlmAttempt[];
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.category = category;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.detail = options.detail;
    this.attempts = options.attempts;
  }

  get transient(): boolean {
    return transient.has(this.category);
  }

  get endsRun(): boolean {
    return endsRun.has(this.category);
  }
}

export const isLlmError = (value: unknown): value is LlmError => value instanceof LlmError;
