/**
 * The OpenAI chat-completions adapter (`createOpenAI(...).chat(model)`) against a local server
 * speaking the chat-completions SSE wire.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTargetClient } from "../../core/src/llm/providers/index.js";
import type { ModelMessage } from "../../core/src/llm/protocol.js";
import { startFakeProviderServer, step, type FakeProviderServer } from "../support/fake-provider-server.js";
import { expectCategory, request, run, textOf, timeTool, weatherTool } from "./helpers.js";

let server: FakeProviderServer;
beforeAll(async () => {
  server = await startFakeProviderServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  expect(server.pending()).toBe(0);
});

const target = { provider: "openai", model: "gpt-4.1-mini" };
const client = () => createTargetClient(target, { name: "openai", kind: "openai", baseURL: `${server.url}/v1`, apiKey: { reveal: () => "sk-openai-test" } });
const last = () => server.requests.at(-1)!;

describe("openai: streaming", () => {
  it("streams text deltas; usage splits cached prompt tokens into cacheRead; asks for stream usage", async () => {
    server.enqueue({
      kind: "reply",
      blocks: [{ type: "text", text: "Hello from GPT.", chunks: ["Hello", " from", " GPT."] }],
      usage: { input: 30, output: 4, cacheRead: 1024 },
    });
    const { response, deltas, firstTokens } = await run(client(), request());
    expect(deltas).toEqual([
      { kind: "text", text: "Hello" },
      { kind: "text", text: " from" },
      { kind: "text", text: " GPT." },
    ]);
    expect(response).toMatchObject({
      content: [{ type: "text", text: "Hello from GPT." }],
      stopReason: "end_turn",
      // prompt_tokens 1054, of which cached_tokens 1024
      usage: { input: 30, output: 4, cacheRead: 1024, cacheWrite: 0 },
      target: "openai:gpt-4.1-mini",
    });
    expect(firstTokens).toHaveLength(1);
    expect(response!.ttftMs).toBe(firstTokens[0]);

    const sent = last();
    expect(sent.path).toBe("/v1/chat/completions");
    expect(sent.headers.authorization).toBe("Bearer sk-openai-test");
    expect(sent.body).toMatchObject({ model: "gpt-4.1-mini", stream: true, stream_options: { include_usage: true } });
    expect(sent.body.messages).toEqual([
      { role: "system", content: "You are terse." },
      { role: "user", content: "Say hello." },
    ]);
    expect(sent.raw).not.toContain("cache_control");
  });

  it("assembles streamed arguments of parallel tool calls; finish_reason tool_calls -> tool_use", async () => {
    server.enqueue({
      kind: "reply",
      blocks: [
        { type: "tool_use", id: "call_A", name: "get_weather", input: { city: "Paris" }, argChunks: ['{"c', 'ity":', '"Paris"}'] },
        { type: "tool_use", id: "call_B", name: "get_time", input: { city: "Oslo" }, argChunks: ['{"city"', ':"Oslo"}'] },
      ],
      firstTokenDelayMs: 40,
    });
    const { response, deltas, firstTokens } = await run(client(), request({ tools: [weatherTool, timeTool] }));
    expect(response!.content).toEqual([
      { type: "tool-call", id: "call_A", name: "get_weather", input: { city: "Paris" } },
      { type: "tool-call", id: "call_B", name: "get_time", input: { city: "Oslo" } },
    ]);
    expect(response!.stopReason).toBe("tool_use");
    expect(deltas).toEqual([]);
    expect(firstTokens).toHaveLength(1);
    expect(firstTokens[0]).toBeGreaterThanOrEqual(30);
    expect(last().body.tools).toEqual([
      { type: "function", function: { name: "get_weather", description: "Weather for a city", parameters: expect.objectContaining({ type: "object" }) } },
      { type: "function", function: { name: "get_time", description: "Time in a city", parameters: expect.objectContaining({ type: "object" }) } },
    ]);
  });

  it("finish_reason length -> max_tokens; max_tokens, temperature and top_p are sent", async () => {
    server.enqueue(step.text("cut sh", { stop: "max_tokens" }));
    const { response } = await run(client(), request({ params: { maxTokens: 3, temperature: 0.5, topP: 0.8 } }));
    expect(response!.stopReason).toBe("max_tokens");
    expect(last().body).toMatchObject({ max_tokens: 3, temperature: 0.5, top_p: 0.8 });
  });

  it("maps history: assistant tool calls, tool results as tool messages, images as image_url parts", async () => {
    server.enqueue(step.text("ok"));
    const png = Buffer.from("png").toString("base64");
    const messages: ModelMessage[] = [
      {
        role: "user",
        content: [
          { type: "text", text: "Look" },
          { type: "image", source: { kind: "base64", mediaType: "image/png", data: png } },
        ],
      },
      { role: "assistant", content: [{ type: "tool-call", id: "call_1", name: "get_time", input: { city: "Oslo" } }] },
      {
        role: "user",
        content: [
          { type: "tool-result", toolCallId: "call_1", name: "get_time", output: "12:00" },
          { type: "text", text: "and this one" },
          { type: "image", source: { kind: "url", url: "https://example.com/a.png" } },
        ],
      },
    ];
    await run(client(), request({ messages, tools: [timeTool] }));
    expect(last().body.messages).toEqual([
      { role: "system", content: "You are terse." },
      {
        role: "user",
        content: [
          { type: "text", text: "Look" },
          { type: "image_url", image_url: { url: `data:image/png;base64,${png}` } },
        ],
      },
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "call_1", type: "function", function: { name: "get_time", arguments: '{"city":"Oslo"}' } }],
      },
      { role: "tool", tool_call_id: "call_1", content: "12:00" },
      {
        role: "user",
        content: [
          { type: "text", text: "and this one" },
          { type: "image_url", image_url: { url: "https://example.com/a.png" } },
        ],
      },
    ]);
  });

  it("stream: false reads one chat.completion", async () => {
    server.enqueue({
      kind: "reply",
      blocks: [
        { type: "text", text: "Whole." },
        { type: "tool_use", id: "call_9", name: "get_time", input: { city: "Rome" } },
      ],
      usage: { input: 8, output: 2, cacheRead: 64 },
    });
    const { response, deltas } = await run(client(), request({ stream: false, tools: [timeTool] }));
    expect(last().body.stream).toBeUndefined();
    expect(deltas).toEqual([]);
    expect(response).toEqual({
      content: [
        { type: "text", text: "Whole." },
        { type: "tool-call", id: "call_9", name: "get_time", input: { city: "Rome" } },
      ],
      stopReason: "tool_use",
      usage: { input: 8, output: 2, cacheRead: 64, cacheWrite: 0 },
      target: "openai:gpt-4.1-mini",
    });
  });

  it("thinking asks a reasoning model for reasoning_effort", async () => {
    server.enqueue(step.text("ok"));
    const reasoning = createTargetClient(
      { provider: "openai", model: "o4-mini" },
      { name: "openai", kind: "openai", baseURL: `${server.url}/v1`, apiKey: "k" },
    );
    await run(reasoning, request({ params: { thinking: { budgetTokens: 6000 } } }));
    expect(last().body.reasoning_effort).toBe("medium");
  });
});

describe("openai: errors", () => {
  it("429 with retry-after-ms -> rate-limited with that delay", async () => {
    server.enqueue(step.error(429, { headers: { "retry-after-ms": "1250", "retry-after": "2" }, message: "Rate limit reached for requests" }));
    const error = await expectCategory(client(), request(), "rate-limited");
    expect(error.retryAfterMs).toBe(1250);
  });

  it("503 -> overloaded", async () => {
    server.enqueue(step.error(503, { message: "The engine is currently overloaded, please try again later" }));
    await expectCategory(client(), request(), "overloaded");
  });

  it("500 then 200", async () => {
    server.enqueue(step.error(500, { message: "The server had an error while processing your request." }), step.text("fine"));
    await expectCategory(client(), request(), "transport");
    expect(textOf((await run(client(), request())).response)).toBe("fine");
  });

  it("401 and 403 -> auth", async () => {
    server.enqueue(step.error(401, { message: "Incorrect API key provided", code: "invalid_api_key" }), step.error(403, { message: "Country not supported" }));
    await expectCategory(client(), request(), "auth");
    await expectCategory(client(), request(), "auth");
  });

  it("400 context_length_exceeded -> context-length", async () => {
    server.enqueue(
      step.error(400, {
        code: "context_length_exceeded",
        message: "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.",
      }),
    );
    await expectCategory(client(), request(), "context-length");
  });

  it("a connection reset mid-stream -> transport", async () => {
    server.enqueue({ ...step.text("abcdefghijklmnopqrstuvwxyz"), resetAfterEvents: 3 });
    const { error, deltas } = await run(client(), request());
    expect(error?.category).toBe("transport");
    expect(deltas.map((delta) => delta.text).join("")).toBe("abcdefghijklmnop");
  });

  it("an in-stream error chunk -> categorized", async () => {
    server.enqueue({ ...step.text("some words"), streamError: { afterEvents: 2, type: "server_error", message: "The server is overloaded" } });
    await expectCategory(client(), request(), "overloaded");
  });

  it("a stream without a finish_reason, or cut short before it -> transport", async () => {
    server.enqueue({ ...step.text("abcdefghijkl"), endAfterEvents: 2 });
    await expectCategory(client(), request(), "transport");
    server.enqueue({
      kind: "raw",
      chunks: [
        `data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}\n\n`,
        "data: [DONE]\n\n",
      ],
    });
    await expectCategory(client(), request(), "transport");
  });

  it("a malformed chunk -> transport", async () => {
    server.enqueue({ kind: "raw", chunks: ['data: {"choices": [{"delta": \n\n', "data: [DONE]\n\n"] });
    await expectCategory(client(), request(), "transport");
  });
});
