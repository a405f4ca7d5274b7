import { isLlmError, type LlmAttempt, type LlmErrorCategory } from "../llm-error.js";
import type { ContentBlock, ModelResponse } from "../protocol.js";

/**
 * How one model call ended, as a value (never thrown for a categorized failure):
 * - `ok`: the model answered (`response`, `text`); a reply cut off at max_tokens is still `ok`,
 *   check `response.stopReason`.
 * - `exhausted`: the model layer tried and gave up on something that may pass later (rate limits,
 *   overload, timeouts, transport failures, a reply that kept overrunning).
 * - `error`: a failure that retrying the same call will not fix (auth, invalid request, context
 *   length, unknown alias, aborted, ...).
 */
export type ResultStatus = "ok" | "exhausted" | "error";

export interface ResultError {
  category: LlmErrorCategory;
  message: string;
  /** The model layer's tries, when it made more than one. */
  attempts?: readonly LlmAttempt[];
}

export interface ResultEnvelope {
  status: ResultStatus;
  response?: ModelResponse;
  /** The reply's text blocks joined. */
  text?: string;
  error?: ResultError;
}

const exhaustedCategories: ReadonlySet<LlmErrorCategory> = new Set(["rate-limited", "overloaded", "timeout", "transport", "overrun"]);

export const statusOf = (category: LlmErrorCategory): Exclude<ResultStatus, "ok"> => (exhaustedCategories.has(category) ? "exhausted" : "error");

export const textOf = (content: readonly ContentBlock[]): string => {
  let text = "";
  for (const block of content) if (block.type === "text") text += block.text;
  return text;
};

export const okEnvelope = (response: ModelResponse): ResultEnvelope => ({ status: "ok", response, text: textOf(response.content) });

/** The envelope of a failure; anything that is not an `LlmError` is a bug and is rethrown. */
export function failureEnvelope(error: unknown): ResultEnvelope {
  if (!isLlmError(error)) throw error;
  return {
    status: statusOf(error.category),
    error: {
      category: error.category,
      message: error.message,
      ...(error.attempts && error.attempts.length > 1 ? { attempts: error.attempts } : {}),
    },
  };
}
