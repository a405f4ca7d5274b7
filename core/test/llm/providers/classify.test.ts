import {
  APICallError,
  EmptyResponseBodyError,
  InvalidPromptError,
  InvalidResponseDataError,
  JSONParseError,
  LoadAPIKeyError,
  TypeValidationError,
} from "@ai-sdk/provider";
import { describe, expect, it } from "vitest";
import { LlmError } from "../../../src/llm/llm-error.js";
import { categoryOfStatus, classifyError, parseRetryAfter } from "../../../src/llm/providers/index.js";

/** An APICallError as the AI SDK builds it from an HTTP error response. */
function httpError(statusCode: number, body: unknown, headers: Record<string, string> = {}): APICallError {
  const responseBody = typeof body === "string" ? body : JSON.stringify(body);
  return new APICallError({
    message: "provider said no",
    url: "https://api.example/v1/messages",
    requestBodyValues: {},
    statusCode,
    responseHeaders: { "content-type": "application/json", ...headers },
    responseBody,
  });
}

const anthropicBody = (type: string, message: string) => ({ type: "error", error: { type, message } });
const openaiBody = (message: string, type: string, code: string | null = null) => ({ error: { message, type, param: null, code } });

describe("classifyError: HTTP responses", () => {
  it("429 -> rate-limited, retry-after seconds", () => {
    const error = classifyError(httpError(429, anthropicBody("rate_limit_error", "Number of requests has exceeded your rate limit"), { "retry-after": "12" }));
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ category: "rate-limited", status: 429, retryAfterMs: 12_000 });
    expect(error.message).toBe("HTTP 429: Number of requests has exceeded your rate limit");
    expect(error.transient).toBe(true);
  });

  it("429 -> retry-after-ms wins over retry-after (OpenAI sends both)", () => {
    const error = classifyError(httpError(429, openaiBody("Rate limit reached", "requests"), { "retry-after-ms": "850", "retry-after": "1" }));
    expect(error.retryAfterMs).toBe(850);
  });

  it("429 without headers has no retryAfterMs", () => {
    expect(classifyError(httpError(429, openaiBody("slow down", "requests"))).retryAfterMs).toBeUndefined();
  });

  it("529 and 503 -> overloaded (with retry-after when given); an overloaded_error body on any 5xx too", () => {
    expect(classifyError(httpError(529, anthropicBody("overloaded_error", "Overloaded")))).toMatchObject({ category: "overloaded", status: 529 });
    expect(classifyError(httpError(503, "Service Unavailable", { "retry-after": "4" }))).toMatchObject({ category: "overloaded", retryAfterMs: 4000 });
    expect(classifyError(httpError(500, anthropicBody("overloaded_error", "Overloaded"))).category).toBe("overloaded");
  });

  it("401 / 403 -> auth, not transient", () => {
    const error = classifyError(httpError(401, anthropicBody("authentication_error", "invalid x-api-key")));
    expect(error.category).toBe("auth");
    expect(error.transient).toBe(false);
    expect(classifyError(httpError(403, anthropicBody("permission_error", "Your API key does not have permission"))).category).toBe("auth");
  });

  it("400 -> invalid-request, unless the message says the prompt is too long -> context-length", () => {
    expect(classifyError(httpError(400, anthropicBody("invalid_request_error", "max_tokens: Field required"))).category).toBe("invalid-request");
    const contextMessages = [
      anthropicBody("invalid_request_error", "prompt is too long: 208310 tokens > 200000 maximum"),
      anthropicBody("invalid_request_error", "input length and `max_tokens` exceed context limit: 198000 + 8192 > 200000"),
      openaiBody(
        "This model's maximum context length is 128000 tokens. However, your messages resulted in 130512 tokens.",
        "invalid_request_error",
        "context_length_exceeded",
      ),
      openaiBody("This endpoint's maximum context length is 32768 tokens.", "invalid_request_error"),
      { error: { message: "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576)." } },
    ];
    for (const body of contextMessages) expect(classifyError(httpError(400, body)).category, JSON.stringify(body)).toBe("context-length");
    // a max_tokens complaint is not a context overflow
    expect(
      classifyError(httpError(400, anthropicBody("invalid_request_error", "max_tokens: 100000 > 64000, which is the maximum allowed number of output tokens")))
        .category,
    ).toBe("invalid-request");
  });

  it("other statuses: 404/422 invalid-request, 408 timeout, 500/502/504 transport", () => {
    expect(categoryOfStatus(404)).toBe("invalid-request");
    expect(categoryOfStatus(422)).toBe("invalid-request");
    expect(categoryOfStatus(408)).toBe("timeout");
    for (const status of [500, 502, 504]) expect(categoryOfStatus(status)).toBe("transport");
  });

  it("a body that is not JSON still gives a message", () => {
    const error = classifyError(httpError(502, "<html>Bad Gateway</html>"));
    expect(error.category).toBe("transport");
    expect(error.message).toContain("Bad Gateway");
  });
});

describe("classifyError: failures without a response", () => {
  it("connection refused as the SDK wraps it ('Cannot connect to API') -> transport", () => {
    const cause = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
    const error = new APICallError({
      message: "Cannot connect to API: connect ECONNREFUSED 127.0.0.1:1",
      url: "u",
      requestBodyValues: {},
      cause,
      isRetryable: true,
    });
    expect(classifyError(error)).toMatchObject({ category: "transport", status: undefined });
  });

  it("undici's fetch failed / terminated / other side closed -> transport", () => {
    const socket = Object.assign(new Error("other side closed"), { name: "SocketError", code: "UND_ERR_SOCKET" });
    expect(classifyError(new TypeError("terminated", { cause: socket })).category).toBe("transport");
    expect(classifyError(new TypeError("fetch failed", { cause: Object.assign(new Error("getaddrinfo ENOTFOUND x"), { code: "ENOTFOUND" }) })).category).toBe(
      "transport",
    );
    expect(classifyError(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" })).category).toBe("transport");
  });

  it("a reset while a 200 response streams (the SDK's 'Failed to process successful response') -> transport", () => {
    const error = new APICallError({
      message: "Failed to process successful response",
      url: "u",
      requestBodyValues: {},
      statusCode: 200,
      cause: new TypeError("terminated"),
    });
    const classified = classifyError(error);
    expect(classified.category).toBe("transport");
    expect(classified.message).toContain("terminated");
  });

  it("connect / headers timeouts -> timeout", () => {
    expect(
      classifyError(new TypeError("fetch failed", { cause: Object.assign(new Error("Connect Timeout Error"), { code: "UND_ERR_CONNECT_TIMEOUT" }) })).category,
    ).toBe("timeout");
    expect(classifyError(Object.assign(new Error("Headers Timeout Error"), { name: "HeadersTimeoutError", code: "UND_ERR_HEADERS_TIMEOUT" })).category).toBe(
      "timeout",
    );
  });

  it("AbortError -> aborted; TimeoutError -> timeout", () => {
    expect(classifyError(new DOMException("This operation was aborted", "AbortError")).category).toBe("aborted");
    expect(classifyError(new DOMException("The operation timed out.", "TimeoutError")).category).toBe("timeout");
  });
});

describe("classifyError: malformed streams and in-stream errors", () => {
  it("bad JSON, wrong shape, empty body, invalid data -> transport", () => {
    expect(classifyError(new JSONParseError({ text: "{not json", cause: new SyntaxError("x") })).category).toBe("transport");
    expect(classifyError(new TypeValidationError({ value: { type: "nope" }, cause: new Error("x") })).category).toBe("transport");
    expect(classifyError(new EmptyResponseBodyError()).category).toBe("transport");
    expect(classifyError(new InvalidResponseDataError({ data: {}, message: "Response stream ended without a finish reason." })).category).toBe("transport");
  });

  it("Anthropic in-stream error events by type", () => {
    expect(classifyError({ type: "overloaded_error", message: "Overloaded" }).category).toBe("overloaded");
    expect(classifyError({ type: "rate_limit_error", message: "slow" }).category).toBe("rate-limited");
    expect(classifyError({ type: "api_error", message: "Internal server error" }).category).toBe("transport");
    expect(classifyError({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } }).category).toBe("overloaded");
    expect(classifyError({ type: "invalid_request_error", message: "prompt is too long: 300000 tokens > 200000 maximum" }).category).toBe("context-length");
  });

  it("OpenAI-style in-stream errors by code and message", () => {
    expect(classifyError({ message: "The server is overloaded", type: "server_error", code: null }).category).toBe("overloaded");
    expect(classifyError({ message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded" }).category).toBe("rate-limited");
    expect(classifyError({ message: "boom", type: "server_error", code: 502 }).category).toBe("transport");
    expect(classifyError({ message: "upstream failed", type: "server_error", code: null }).category).toBe("transport");
  });
});

describe("classifyError: the SDK refusing a request, keys, and pass-through", () => {
  it("invalid prompt -> invalid-request; missing key -> auth", () => {
    expect(classifyError(new InvalidPromptError({ prompt: {}, message: "messages must not be empty" })).category).toBe("invalid-request");
    expect(classifyError(new LoadAPIKeyError({ message: "Anthropic API key is missing." })).category).toBe("auth");
  });

  it("an LlmError is returned as it is; anything unknown is transport with its cause", () => {
    const own = new LlmError("timeout", "no first token");
    expect(classifyError(own)).toBe(own);
    const weird = classifyError("something odd");
    expect(weird.category).toBe("transport");
    expect(weird.cause).toBe("something odd");
  });

  it("a RetryError (if retries were on) is classified by its last error", () => {
    const last = httpError(529, anthropicBody("overloaded_error", "Overloaded"));
    expect(classifyError({ name: "AI_RetryError", lastError: last, message: "Failed after 3 attempts" }).category).toBe("overloaded");
  });
});

describe("parseRetryAfter", () => {
  it("reads ms, seconds (fractional) and HTTP dates; ignores garbage and negatives", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter({ "retry-after-ms": "250" }, now)).toBe(250);
    expect(parseRetryAfter({ "Retry-After": "1.5" }, now)).toBe(1500);
    expect(parseRetryAfter({ "retry-after": "Thu, 01 Jan 2026 00:00:30 GMT" }, now)).toBe(30_000);
    expect(parseRetryAfter({ "retry-after": "Wed, 31 Dec 2025 23:59:00 GMT" }, now)).toBe(0);
    expect(parseRetryAfter({ "retry-after": "soon" }, now)).toBeUndefined();
    expect(parseRetryAfter({ "retry-after": "-3" }, now)).toBeUndefined();
    expect(parseRetryAfter({ "retry-after-ms": "x", "retry-after": "2" }, now)).toBe(2000);
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
