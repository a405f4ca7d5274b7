/**
 * A local HTTP server (127.0.0.1, ephemeral port) that speaks two provider wires, scriptable per
 * test, recording every request:
 *
 * - Anthropic Messages: `POST <prefix>/messages`. Streamed (`"stream": true`) as SSE events
 *   `message_start`, `ping`, `content_block_start` / `content_block_delta` (`text_delta`,
 *   `thinking_delta`, `signature_delta`, `input_json_delta`) / `content_block_stop`,
 *   `message_delta` (stop_reason + usage with cache_creation_input_tokens /
 *   cache_read_input_tokens), `message_stop`; in-stream `error` events; non-streamed as one
 *   message JSON. Errors as `{"type":"error","error":{"type","message"}}`.
 * - OpenAI chat completions: `POST <prefix>/chat/completions`. Streamed as `data:` chunks
 *   (`chat.completion.chunk` with `delta.content`, `delta.reasoning_content`,
 *   `delta.tool_calls` with streamed `function.arguments`, `finish_reason`), a usage chunk with
 *   `prompt_tokens_details.cached_tokens` when `stream_options.include_usage`, then
 *   `data: [DONE]`; non-streamed as one `chat.completion`. Errors as
 *   `{"error":{"message","type","param","code"}}`.
 *
 * The shapes follow the providers' public API references (streaming messages, chat completion
 * chunk object), not any SDK's fixtures. Steps are consumed in order, whichever wire asks; with
 * none left the server answers 500 "no scripted response", so a test that under-scripts fails loudly.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Wire = "anthropic" | "openai";

export interface FakeUsage {
  /** Uncached prompt tokens (Anthropic `input_tokens`; OpenAI adds cached ones into `prompt_tokens`). */
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite?: number;
}

export type ReplyBlock =
  | { type: "text"; text: string; /** How the text is split into deltas (default: ~8-character pieces). */ chunks?: string[] }
  | { type: "thinking"; text: string; signature?: string; chunks?: string[] }
  /** Anthropic only: thinking its safety systems hid, sent as opaque `data` (no deltas). */
  | { type: "redacted_thinking"; data: string }
  | {
      type: "tool_use";
      id: string;
      name: string;
      input: Record<string, unknown>;
      /** The argument JSON as streamed pieces; joined they must be the JSON of `input` (default: ~10-character pieces). */
      argChunks?: string[];
    };

export type StopReason = "end_turn" | "tool_use" | "max_tokens" | "stop_sequence";

export interface ReplyStep {
  kind: "reply";
  blocks: ReplyBlock[];
  /** Default: `tool_use` when a block is a tool call, else `end_turn`. */
  stop?: StopReason;
  usage?: FakeUsage;
  model?: string;
  /** Stall before the response status line and headers. */
  headersDelayMs?: number;
  /** Stall after the stream opened (message_start / the role chunk), before the first content. */
  firstTokenDelayMs?: number;
  /** Gap between SSE events. */
  eventDelayMs?: number;
  /** Destroy the socket after this many SSE events: a connection reset mid-stream. */
  resetAfterEvents?: number;
  /** End the response cleanly after this many SSE events, without the closing events: a cut-short stream. */
  endAfterEvents?: number;
  /** Send the wire's in-stream error event after this many SSE events, then end. */
  streamError?: { afterEvents: number; type: string; message: string };
}

export interface ErrorStep {
  kind: "error";
  status: number;
  /** Error type in the wire's body (default per status, e.g. `rate_limit_error` / `overloaded_error`). */
  type?: string;
  message?: string;
  /** OpenAI's `error.code` (e.g. `context_length_exceeded`). */
  code?: string;
  headers?: Record<string, string>;
  /** Replaces the rendered body verbatim. */
  body?: string;
}

/** Anything at all, e.g. a stream that is not valid SSE JSON. */
export interface RawStep {
  kind: "raw";
  status?: number;
  headers?: Record<string, string>;
  /** Written in this order, `delayMs` apart. */
  chunks: string[];
  delayMs?: number;
}

/** Destroy the socket before any response. */
export interface ResetStep {
  kind: "reset";
}

export type Step = ReplyStep | ErrorStep | RawStep | ResetStep;

export interface RecordedRequest {
  wire: Wire | "unknown";
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw request body text: assert on bytes (e.g. where `cache_control` sits). */
  raw: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  body: any;
}

export interface FakeProviderServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly requests: RecordedRequest[];
  enqueue(...steps: Step[]): void;
  /** Steps not consumed yet. */
  pending(): number;
  /** Resolves when `count` requests have arrived (rejects after `timeoutMs`). */
  waitForRequests(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Shorthands for common steps. */
export const step = {
  text: (text: string, extra: Partial<ReplyStep> = {}): ReplyStep => ({ kind: "reply", blocks: [{ type: "text", text }], ...extra }),
  tool: (id: string, name: string, input: Record<string, unknown>, extra: Partial<ReplyStep> = {}): ReplyStep => ({
    kind: "reply",
    blocks: [{ type: "tool_use", id, name, input }],
    ...extra,
  }),
  error: (status: number, extra: Partial<ErrorStep> = {}): ErrorStep => ({ kind: "error", status, ...extra }),
  reset: (): ResetStep => ({ kind: "reset" }),
};

export async function startFakeProviderServer(): Promise<FakeProviderServer> {
  const queue: Step[] = [];
  const requests: RecordedRequest[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  let counter = 0;

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(`fake server failed: ${String(error)}`);
      } else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const path = (req.url ?? "/").split("?")[0]!;
    const wire: Wire | "unknown" = path.endsWith("/messages") ? "anthropic" : path.endsWith("/chat/completions") ? "openai" : "unknown";
    let body: any;
    try {
      body = raw === "" ? undefined : JSON.parse(raw);
    } catch {
      body = undefined;
    }
    requests.push({ wire, method: req.method ?? "GET", path, headers: req.headers, raw, body });
    for (const waiter of waiters.splice(0)) {
      if (requests.length >= waiter.count) waiter.resolve();
      else waiters.push(waiter);
    }
    if (wire === "unknown" || req.method !== "POST") {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: `fake server: no route ${req.method} ${path}` } }));
      return;
    }
    const next = queue.shift();
    if (next === undefined) {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { type: "api_error", message: "fake server: no scripted response" } }));
      return;
    }
    counter += 1;
    const live = new Liveness(res);
    switch (next.kind) {
      case "reset":
        req.socket.destroy();
        return;
      case "error":
        return sendError(res, wire, next);
      case "raw": {
        res.writeHead(next.status ?? 200, { "content-type": "text/event-stream", ...next.headers });
        for (const chunk of next.chunks) {
          if (!(await live.sleep(next.delayMs ?? 0))) return;
          res.write(chunk);
        }
        res.end();
        return;
      }
      case "reply": {
        if (!(await live.sleep(next.headersDelayMs ?? 0))) return;
        const streamed = body?.stream === true;
        const id = wire === "anthropic" ? `msg_fake_${counter}` : `chatcmpl-fake-${counter}`;
        if (!streamed) {
          const json = wire === "anthropic" ? anthropicMessage(id, next, body) : openaiCompletion(id, next, body);
          res.writeHead(200, { "content-type": "application/json", ...requestIdHeader(wire, counter) });
          res.end(JSON.stringify(json));
          return;
        }
        const events = wire === "anthropic" ? anthropicEvents(id, next, body) : openaiEvents(id, next, body);
        res.writeHead(200, {
          "content-type": "text/event-stream",
          "cache-control": "no-cache",
          connection: "keep-alive",
          ...requestIdHeader(wire, counter),
        });
        res.flushHeaders();
        return writeEvents(res, req, live, wire, events, next);
      }
    }
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    enqueue: (...steps) => void queue.push(...steps),
    pending: () => queue.length,
    waitForRequests(count, timeoutMs = 5_000) {
      if (requests.length >= count) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`fake server: ${requests.length} of ${count} requests after ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Tracks whether the client went away, so stalls end early and nothing is written to a dead socket. */
class Liveness {
  closed = false;
  readonly #wakers = new Set<() => void>();
  constructor(res: ServerResponse) {
    res.on("close", () => {
      this.closed = true;
      for (const wake of this.#wakers) wake();
    });
  }
  /** Resolves false when the client went away first. */
  sleep(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (ms <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#wakers.delete(wake);
        resolve(!this.closed);
      };
      const timer = setTimeout(wake, ms);
      this.#wakers.add(wake);
    });
  }
}

type SseEvent = { name?: string; data: unknown; /** true for the event after which the first-token stall happens */ opening?: boolean };

async function writeEvents(res: ServerResponse, req: IncomingMessage, live: Liveness, wire: Wire, events: SseEvent[], reply: ReplyStep): Promise<void> {
  let written = 0;
  for (const event of events) {
    if (reply.resetAfterEvents !== undefined && written >= reply.resetAfterEvents) {
      // Let the bytes already written reach the client, then drop the connection.
      await new Promise<void>((resolve) => res.write("", () => resolve()));
      await live.sleep(30);
      req.socket.destroy();
      return;
    }
    if (reply.endAfterEvents !== undefined && written >= reply.endAfterEvents) break;
    if (reply.streamError !== undefined && written >= reply.streamError.afterEvents) {
      const { type, message } = reply.streamError;
      res.write(
        wire === "anthropic"
          ? sse("error", { type: "error", error: { type, message } })
          : sse(undefined, { error: { message, type, param: null, code: null } }),
      );
      break;
    }
    if (written > 0 && !(await live.sleep(reply.eventDelayMs ?? 0))) return;
    if (live.closed) return;
    res.write(sse(event.name, event.data));
    written += 1;
    if (event.opening && !(await live.sleep(reply.firstTokenDelayMs ?? 0))) return;
  }
  res.end();
}

function sse(name: string | undefined, data: unknown): string {
  const payload = typeof data === "string" ? data : JSON.stringify(data);
  return `${name === undefined ? "" : `event: ${name}\n`}data: ${payload}\n\n`;
}

function requestIdHeader(wire: Wire, n: number): Record<string, string> {
  return wire === "anthropic" ? { "request-id": `req_fake_${n}` } : { "x-request-id": `req-fake-${n}` };
}

function stopOf(reply: ReplyStep): StopReason {
  return reply.stop ?? (reply.blocks.some((block) => block.type === "tool_use") ? "tool_use" : "end_turn");
}

function usageOf(reply: ReplyStep): Required<FakeUsage> {
  return { input: 10, output: 5, cacheRead: 0, cacheWrite: 0, ...reply.usage } as Required<FakeUsage>;
}

function pieces(text: string, size: number): string[] {
  if (text === "") return [];
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function argPieces(block: Extract<ReplyBlock, { type: "tool_use" }>): string[] {
  return block.argChunks ?? pieces(JSON.stringify(block.input), 10);
}

// ---------------------------------------------------------------- Anthropic Messages

function anthropicUsage(usage: Required<FakeUsage>, output: number) {
  return {
    input_tokens: usage.input,
    cache_creation_input_tokens: usage.cacheWrite,
    cache_read_input_tokens: usage.cacheRead,
    output_tokens: output,
  };
}

function anthropicEvents(id: string, reply: ReplyStep, request: any): SseEvent[] {
  const usage = usageOf(reply);
  const model = reply.model ?? request?.model ?? "claude-fake";
  const events: SseEvent[] = [
    {
      name: "message_start",
      data: {
        type: "message_start",
        message: { id, type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null, usage: anthropicUsage(usage, 1) },
      },
    },
    { name: "ping", data: { type: "ping" }, opening: true },
  ];
  reply.blocks.forEach((block, index) => {
    const delta = (d: Record<string, unknown>): SseEvent => ({ name: "content_block_delta", data: { type: "content_block_delta", index, delta: d } });
    switch (block.type) {
      case "text":
        events.push({ name: "content_block_start", data: { type: "content_block_start", index, content_block: { type: "text", text: "" } } });
        for (const piece of block.chunks ?? pieces(block.text, 8)) events.push(delta({ type: "text_delta", text: piece }));
        break;
      case "thinking":
        events.push({
          name: "content_block_start",
          data: { type: "content_block_start", index, content_block: { type: "thinking", thinking: "", signature: "" } },
        });
        for (const piece of block.chunks ?? pieces(block.text, 8)) events.push(delta({ type: "thinking_delta", thinking: piece }));
        if (block.signature !== undefined) events.push(delta({ type: "signature_delta", signature: block.signature }));
        break;
      case "redacted_thinking":
        events.push({
          name: "content_block_start",
          data: { type: "content_block_start", index, content_block: { type: "redacted_thinking", data: block.data } },
        });
        break;
      case "tool_use":
        events.push({
          name: "content_block_start",
          data: { type: "content_block_start", index, content_block: { type: "tool_use", id: block.id, name: block.name, input: {} } },
        });
        events.push(delta({ type: "input_json_delta", partial_json: "" }));
        for (const piece of argPieces(block)) events.push(delta({ type: "input_json_delta", partial_json: piece }));
        break;
    }
    events.push({ name: "content_block_stop", data: { type: "content_block_stop", index } });
  });
  events.push({
    name: "message_delta",
    data: {
      type: "message_delta",
      delta: { stop_reason: stopOf(reply), stop_sequence: stopOf(reply) === "stop_sequence" ? "\n\nHuman:" : null },
      usage: anthropicUsage(usage, usage.output),
    },
  });
  events.push({ name: "message_stop", data: { type: "message_stop" } });
  return events;
}

function anthropicMessage(id: string, reply: ReplyStep, request: any) {
  const usage = usageOf(reply);
  return {
    id,
    type: "message",
    role: "assistant",
    model: reply.model ?? request?.model ?? "claude-fake",
    content: reply.blocks.map((block) =>
      block.type === "text"
        ? { type: "text", text: block.text }
        : block.type === "thinking"
          ? { type: "thinking", thinking: block.text, signature: block.signature ?? "" }
          : block.type === "redacted_thinking"
            ? { type: "redacted_thinking", data: block.data }
            : { type: "tool_use", id: block.id, name: block.name, input: block.input },
    ),
    stop_reason: stopOf(reply),
    stop_sequence: null,
    usage: anthropicUsage(usage, usage.output),
  };
}

// ---------------------------------------------------------------- OpenAI chat completions

const openaiFinish: Record<StopReason, string> = { end_turn: "stop", stop_sequence: "stop", tool_use: "tool_calls", max_tokens: "length" };

function openaiUsage(usage: Required<FakeUsage>) {
  const prompt = usage.input + usage.cacheRead + usage.cacheWrite;
  return {
    prompt_tokens: prompt,
    completion_tokens: usage.output,
    total_tokens: prompt + usage.output,
    prompt_tokens_details: { cached_tokens: usage.cacheRead, ...(usage.cacheWrite > 0 ? { cache_write_tokens: usage.cacheWrite } : {}) },
    completion_tokens_details: { reasoning_tokens: 0 },
  };
}

function openaiEvents(id: string, reply: ReplyStep, request: any): SseEvent[] {
  const model = reply.model ?? request?.model ?? "gpt-fake";
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
    id,
    object: "chat.completion.chunk",
    created: 1_700_000_000,
    model,
    system_fingerprint: "fp_fake",
    choices,
    ...extra,
  });
  const delta = (d: Record<string, unknown>): SseEvent => ({ data: chunk([{ index: 0, delta: d, logprobs: null, finish_reason: null }]) });
  const events: SseEvent[] = [{ ...delta({ role: "assistant", content: "", refusal: null }), opening: true }];
  let toolIndex = 0;
  for (const block of reply.blocks) {
    switch (block.type) {
      case "text":
        for (const piece of block.chunks ?? pieces(block.text, 8)) events.push(delta({ content: piece }));
        break;
      case "thinking":
        // Not in OpenAI's own wire: the `reasoning_content` field of OpenAI-compatible servers (z.ai, DeepSeek, vLLM).
        for (const piece of block.chunks ?? pieces(block.text, 8)) events.push(delta({ reasoning_content: piece }));
        break;
      case "tool_use": {
        const index = toolIndex++;
        events.push(delta({ tool_calls: [{ index, id: block.id, type: "function", function: { name: block.name, arguments: "" } }] }));
        for (const piece of argPieces(block)) events.push(delta({ tool_calls: [{ index, function: { arguments: piece } }] }));
        break;
      }
    }
  }
  events.push({ data: chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: openaiFinish[stopOf(reply)] }]) });
  if (request?.stream_options?.include_usage === true) events.push({ data: chunk([], { usage: openaiUsage(usageOf(reply)) }) });
  events.push({ data: "[DONE]" });
  return events;
}

function openaiCompletion(id: string, reply: ReplyStep, request: any) {
  const text = reply.blocks.flatMap((block) => (block.type === "text" ? [block.text] : [])).join("");
  const reasoning = reply.blocks.flatMap((block) => (block.type === "thinking" ? [block.text] : [])).join("");
  const calls = reply.blocks.flatMap((block) =>
    block.type === "tool_use" ? [{ id: block.id, type: "function", function: { name: block.name, arguments: JSON.stringify(block.input) } }] : [],
  );
  return {
    id,
    object: "chat.completion",
    created: 1_700_000_000,
    model: reply.model ?? request?.model ?? "gpt-fake",
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: text === "" && calls.length > 0 ? null : text,
          ...(reasoning === "" ? {} : { reasoning_content: reasoning }),
          ...(calls.length > 0 ? { tool_calls: calls } : {}),
          refusal: null,
        },
        logprobs: null,
        finish_reason: openaiFinish[stopOf(reply)],
      },
    ],
    usage: openaiUsage(usageOf(reply)),
    system_fingerprint: "fp_fake",
  };
}

// ---------------------------------------------------------------- errors

const anthropicErrorTypes: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  529: "overloaded_error",
};

const openaiErrorTypes: Record<number, string> = {
  400: "invalid_request_error",
  401: "invalid_request_error",
  403: "invalid_request_error",
  404: "invalid_request_error",
  429: "requests",
  500: "server_error",
  503: "server_error",
};

function sendError(res: ServerResponse, wire: Wire, error: ErrorStep): void {
  const message = error.message ?? `fake ${error.status}`;
  const body =
    error.body ??
    JSON.stringify(
      wire === "anthropic"
        ? { type: "error", error: { type: error.type ?? anthropicErrorTypes[error.status] ?? "api_error", message } }
        : { error: { message, type: error.type ?? openaiErrorTypes[error.status] ?? "server_error", param: null, code: error.code ?? null } },
    );
  res.writeHead(error.status, { "content-type": "application/json", ...error.headers });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
