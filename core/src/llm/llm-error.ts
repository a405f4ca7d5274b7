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
] as const;

export type LlmErrorCategory = (typeof llmErrorCategories)[number];

const transient: ReadonlySet<LlmErrorCategory> = new Set(["rate-limited", "overloaded", "timeout", "transport"]);

export class LlmError extends Error {
  override readonly name = "LlmError";
  readonly category: LlmErrorCategory;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(
    category: LlmErrorCategory,
    message: string,
    options: { status?: number; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.category = category;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }

  get transient(): boolean {
    return transient.has(this.category);
  }
}

export const isLlmError = (value: unknown): value is LlmError => value instanceof LlmError;
