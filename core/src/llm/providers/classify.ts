/**
 * Provider failures -> categorized `LlmError`. Pure: the same error shape always gives the same
 * category. Works on AI SDK errors (APICallError with statusCode / responseHeaders / responseBody),
 * in-stream error payloads (Anthropic `{type: "overloaded_error", ...}`, OpenAI `{message, code}`),
 * fetch / socket failures, aborts and timeouts.
 */
import { APICallError } from "@ai-sdk/provider";
import { LlmError, isLlmError, type LlmErrorCategory } from "../llm-error.js";

/** Phrases providers use when the prompt exceeds the model's context window. */
const contextLengthPattern =
  /context[ _-]?(length|window|limit)|maximum context|prompt is too long|too many (input |prompt )?tokens|input (is )?too long|input token count|exceeds? (the )?(model'?s? )?context|reduce the length of the (messages|prompt|input)/i;

/** Error `code`s of the network stack that mean the connection failed or broke. */
const transportCodes = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_CONNECT",
]);
const timeoutCodes = new Set(["ETIMEDOUT", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

/** Anthropic error `type`s (HTTP body and in-stream `event: error`). */
const anthropicTypes: Record<string, LlmErrorCategory> = {
  rate_limit_error: "rate-limited",
  overloaded_error: "overloaded",
  authentication_error: "auth",
  permission_error: "auth",
  invalid_request_error: "invalid-request",
  not_found_error: "invalid-request",
  request_too_large: "invalid-request",
  billing_error: "auth",
  api_error: "transport",
  timeout_error: "timeout",
};

/** Classifies anything a provider call can throw. An `LlmError` is returned as it is. */
export function classifyError(error: unknown): LlmError {
  if (isLlmError(error)) return error;

  if (APICallError.isInstance(error)) return fromApiCallError(error);

  // AI SDK RetryError (only with maxRetries > 0) wraps the last attempt's error.
  const retryLast =
    (error as { name?: string; lastError?: unknown } | null)?.name === "AI_RetryError" ? (error as { lastError?: unknown }).lastError : undefined;
  if (retryLast !== undefined) return classifyError(retryLast);

  if (isAbortLike(error)) {
    const name = (error as { name?: string }).name;
    return name === "TimeoutError"
      ? new LlmError("timeout", "the request timed out", { cause: error })
      : new LlmError("aborted", "the request was aborted", { cause: error });
  }

  const network = networkCategory(error);
  if (network !== undefined) return new LlmError(network, `${networkPrefix(network)}: ${describe(error)}`, { cause: error });

  // In-stream error payloads: the provider forwards the JSON object it received.
  if (isPlainObject(error)) return fromPayload(error);

  const name = (error as { name?: string } | null)?.name ?? "";
  switch (name) {
    // A stream that is not the wire it should be (bad JSON, wrong shape, cut short).
    case "AI_JSONParseError":
    case "AI_TypeValidationError":
    case "AI_InvalidResponseDataError":
    case "AI_EmptyResponseBodyError":
    case "AI_NoOutputGeneratedError":
    case "AI_InvalidStreamPartError":
      return new LlmError("transport", `malformed response from the provider: ${describe(error)}`, { cause: error });
    // The SDK refused the request before sending it.
    case "AI_InvalidPromptError":
    case "AI_InvalidArgumentError":
    case "AI_UnsupportedFunctionalityError":
    case "AI_InvalidMessageRoleError":
    case "AI_MessageConversionError":
    case "AI_InvalidDataContentError":
    case "AI_MissingToolResultsError":
    case "AI_UnsupportedModelVersionError":
    case "AI_NoSuchModelError":
      return new LlmError("invalid-request", describe(error), { cause: error });
    case "AI_LoadAPIKeyError":
      return new LlmError("auth", describe(error), { cause: error });
    case "AI_DownloadError":
      return new LlmError("transport", `could not download a URL in the request: ${describe(error)}`, { cause: error });
  }
  return new LlmError("transport", `provider call failed: ${describe(error)}`, { cause: error });
}

function fromApiCallError(error: APICallError): LlmError {
  const status = error.statusCode;
  if (status === undefined) {
    // No response: the SDK wraps fetch failures ("Cannot connect to API: ...") in an APICallError.
    if (isAbortLike(error.cause)) return classifyError(error.cause);
    return new LlmError(networkCategory(error.cause) ?? "transport", error.message, { cause: error });
  }
  if (status >= 200 && status < 300) {
    // The response started fine and then failed while being read (reset, bad JSON, cut short).
    const category = networkCategory(error.cause) ?? "transport";
    return new LlmError(category, `the response failed while being read: ${describe(error.cause ?? error)}`, { cause: error });
  }
  const headers = lowerCaseKeys(error.responseHeaders);
  const retryAfterMs = parseRetryAfter(headers);
  const detail = errorDetail(error.responseBody, error.data) ?? error.message;
  const message = `HTTP ${status}: ${detail}`;
  const options = { status, cause: error, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  return new LlmError(categoryOfStatus(status, detail, error.responseBody), message, options);
}

/** The category of an HTTP error response. */
export function categoryOfStatus(status: number, message = "", body = ""): LlmErrorCategory {
  const bodyType = anthropicErrorType(body);
  if (status === 429) return "rate-limited";
  if (status === 529 || status === 503 || bodyType === "overloaded_error") return "overloaded";
  if (status === 401 || status === 403) return "auth";
  if (status === 408) return "timeout";
  if (status === 413) return contextLengthPattern.test(message) ? "context-length" : "invalid-request";
  if (status >= 400 && status < 500) return contextLengthPattern.test(message) || contextLengthPattern.test(body) ? "context-length" : "invalid-request";
  return "transport";
}

/**
 * Milliseconds a 429/503/529 asks to wait: `retry-after-ms` (OpenAI) first, then `retry-after`
 * in seconds or as an HTTP date (relative to `now`). Undefined when absent or unreadable.
 */
export function parseRetryAfter(headers: Record<string, string | undefined> | undefined, now = Date.now()): number | undefined {
  if (headers === undefined) return undefined;
  const lower = lowerCaseKeys(headers);
  const ms = lower["retry-after-ms"];
  if (ms !== undefined && ms.trim() !== "") {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return Math.round(value);
  }
  const after = lower["retry-after"];
  if (after === undefined || after.trim() === "") return undefined;
  const seconds = Number(after);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.round(seconds * 1000) : undefined;
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function fromPayload(payload: Record<string, unknown>): LlmError {
  // Anthropic: {type: "overloaded_error", message} (or wrapped: {type: "error", error: {...}}).
  const inner = isPlainObject(payload.error) ? payload.error : payload;
  const type = typeof inner.type === "string" ? inner.type : undefined;
  const code = typeof inner.code === "string" || typeof inner.code === "number" ? String(inner.code) : undefined;
  const message = typeof inner.message === "string" ? inner.message : JSON.stringify(payload).slice(0, 300);
  const text = `${type ?? code ?? "error"}: ${message}`;
  if (type !== undefined && anthropicTypes[type] !== undefined) {
    const category = anthropicTypes[type];
    if (category === "invalid-request" && contextLengthPattern.test(message)) return new LlmError("context-length", text, { cause: payload });
    return new LlmError(category, `in-stream error ${text}`, { cause: payload });
  }
  // OpenAI-style: {message, type, code}; code may be an HTTP status or a name.
  const status = code !== undefined && /^\d{3}$/.test(code) ? Number(code) : undefined;
  if (status !== undefined) return new LlmError(categoryOfStatus(status, message), `in-stream error ${text}`, { status, cause: payload });
  if (code === "context_length_exceeded" || contextLengthPattern.test(message)) return new LlmError("context-length", text, { cause: payload });
  if (code === "rate_limit_exceeded" || type === "rate_limit_exceeded" || /rate limit/i.test(message))
    return new LlmError("rate-limited", text, { cause: payload });
  if (/overloaded|capacity/i.test(message) || type === "server_overloaded") return new LlmError("overloaded", text, { cause: payload });
  if (code === "invalid_api_key" || type === "authentication_error") return new LlmError("auth", text, { cause: payload });
  return new LlmError("transport", `in-stream error ${text}`, { cause: payload });
}

/** Walks the cause chain for network failures (fetch failed, socket closed, connection reset); a timeout anywhere wins. */
function networkCategory(error: unknown): "transport" | "timeout" | undefined {
  let found: "transport" | undefined;
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current != null && typeof current === "object"; depth += 1) {
    const { code, name, message } = current as { code?: unknown; name?: unknown; message?: unknown };
    if (typeof code === "string" && timeoutCodes.has(code)) return "timeout";
    if (name === "TimeoutError" || name === "ConnectTimeoutError" || name === "HeadersTimeoutError" || name === "BodyTimeoutError") return "timeout";
    if (typeof code === "string" && transportCodes.has(code)) found = "transport";
    if (name === "SocketError") found = "transport";
    if (typeof message === "string" && /^(fetch failed|terminated|other side closed|socket hang up)$/i.test(message)) found = "transport";
    current = (current as { cause?: unknown }).cause;
  }
  return found;
}

function networkPrefix(category: "transport" | "timeout"): string {
  return category === "timeout" ? "the connection timed out" : "the connection failed";
}

function isAbortLike(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === "AbortError" || name === "TimeoutError" || name === "ResponseAborted";
}

/** The provider's own message from an error body (Anthropic and OpenAI both nest it under `error`). */
function errorDetail(body: string | undefined, data: unknown): string | undefined {
  const fromData = messageOf(data);
  if (fromData !== undefined) return fromData;
  if (body === undefined || body === "") return undefined;
  try {
    return messageOf(JSON.parse(body)) ?? body.slice(0, 300);
  } catch {
    return body.slice(0, 300);
  }
}

function messageOf(value: unknown): string | undefined {
  if (!isPlainObject(value)) return undefined;
  const inner = isPlainObject(value.error) ? value.error : value;
  return typeof inner.message === "string" ? inner.message : typeof value.message === "string" ? value.message : undefined;
}

function anthropicErrorType(body: string): string | undefined {
  if (!body.includes("_error")) return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    if (isPlainObject(parsed) && isPlainObject(parsed.error) && typeof parsed.error.type === "string") return parsed.error.type;
  } catch {
    // not JSON
  }
  return undefined;
}

function lowerCaseKeys(headers: Record<string, string | undefined> | undefined): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(headers ?? {})) out[key.toLowerCase()] = value;
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof Error);
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === "string") return error;
  try {
    return JSON.stringify(error).slice(0, 300);
  } catch {
    return String(error);
  }
}
