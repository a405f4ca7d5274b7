/**
 * The Anthropic adapter (AI SDK @ai-sdk/anthropic) against a local server speaking the Anthropic
 * Messages wire: streaming, tool calls, thinking, stop reasons, usage, prompt caching bytes,
 * errors and their categories.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTargetClient } from "../../core/src/llm/providers/index.js";
import { LlmError } from "../../core/src/llm/llm-error.js";
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

const target = { provider: "anthropic", model: "claude-sonnet-4-5" };
const client = (over: Record<string, unknown> = {}, options = {}) =>
  createTargetClient(target, { name: "anthropic", kind: "anthropic", baseURL: `${server.url}/v1`, apiKey: { reveal: () => "sk-ant-test" }, ...over }, options);
const last = () => server.requests.at(-1)!;

describe("anthropic: streaming", () => {
  it("streams text deltas in order and returns text, end_turn, usage, ttft and the target", async () => {
    server.enqueue({
      kind: "reply",
      blocks: [{ type: "text", text: "Hello there, friend.", chunks: ["Hel", "lo there", ", friend."] }],
      usage: { input: 21, output: 6, cacheRead: 0, cacheWrite: 0 },
    });
    const { response, deltas, firstTokens, error } = await run(client(), request());
    expect(error).toBeUndefined();
    expect(deltas).toEqual([
      { kind: "text", text: "Hel" },
      { kind: "text", text: "lo there" },
      { kind: "text", text: ", friend." },
    ]);
    expect(response).toMatchObject({
      content: [{ type: "text", text: "Hello there, friend." }],
      stopReason: "end_turn",
      usage: { input: 21, output: 6, cacheRead: 0, cacheWrite: 0 },
      target: "anthropic:claude-sonnet-4-5",
    });
    expect(firstTokens).toHaveLength(1);
    expect(response!.ttftMs).toBe(firstTokens[0]);
    expect(response!.ttftMs).toBeGreaterThanOrEqual(0);

    const sent = last();
    expect(sent.path).toBe("/v1/messages");
    expect(sent.headers["x-api-key"]).toBe("sk-ant-test");
    expect(sent.headers["anthropic-version"]).toBe("2023-06-01");
    expect(sent.body).toMatchObject({ model: "claude-sonnet-4-5", stream: true });
    expect(sent.body.messages).toEqual([{ role: "user", content: [{ type: "text", text: "Say hello.", cache_control: { type: "ephemeral" } }] }]);
  });

  it("ttftMs measures the stall before the first token", async () => {
    server.enqueue(step.text("late", { firstTokenDelayMs: 250 }));
    const { response } = await run(client(), request());
    expect(response!.ttftMs).toBeGreaterThanOrEqual(200);
    expect(textOf(response)).toBe("late");
  });

  it("assembles streamed tool-call arguments; text before the call keeps its place; stop is tool_use", async () => {
    server.enqueue({
      kind: "reply",
      blocks: [
        { type: "text", text: "Checking." },
        {
          type: "tool_use",
          id: "toolu_01",
          name: "get_weather",
          input: { city: "Paris", unit: "C" },
          argChunks: ['{"ci', 'ty": "Pa', 'ris", "unit"', ': "C"}'],
        },
        { type: "tool_use", id: "toolu_02", name: "get_time", input: { city: "Oslo" } },
      ],
    });
    const { response, deltas, firstTokens } = await run(client(), request({ tools: [weatherTool, timeTool] }));
    expect(response!.content).toEqual([
      { type: "text", text: "Checking." },
      { type: "tool-call", id: "toolu_01", name: "get_weather", input: { city: "Paris", unit: "C" } },
      { type: "tool-call", id: "toolu_02", name: "get_time", input: { city: "Oslo" } },
    ]);
    expect(response!.stopReason).toBe("tool_use");
    expect(deltas.map((delta) => delta.text).join("")).toBe("Checking.");
    expect(firstTokens).toHaveLength(1);
    const tools = last().body.tools;
    expect(tools.map((tool: { name: string }) => tool.name)).toEqual(["get_weather", "get_time"]);
    expect(tools[0].input_schema).toMatchObject({ type: "object", required: ["city"] });
  });

  it("a tool-call-only reply still reports its first token (for a TTFT cap)", async () => {
    server.enqueue({ kind: "reply", blocks: [{ type: "tool_use", id: "toolu_9", name: "get_time", input: { city: "Rome" } }], firstTokenDelayMs: 50 });
    const { response, deltas, firstTokens } = await run(client(), request({ tools: [timeTool] }));
    expect(deltas).toEqual([]);
    expect(firstTokens).toHaveLength(1);
    expect(response!.ttftMs).toBe(firstTokens[0]);
  });

  it("streams thinking (with its signature) as thinking deltas and sends the budget", async () => {
    server.enqueue({
      kind: "reply",
      blocks: [
        { type: "thinking", text: "The user wants a greeting.", signature: "sig-abc123" },
        { type: "text", text: "Hello." },
      ],
    });
    const { response, deltas } = await run(client(), request({ params: { thinking: { budgetTokens: 1500 }, maxTokens: 1000 } }));
    expect(response!.content).toEqual([
      { type: "thinking", text: "The user wants a greeting.", signature: "sig-abc123" },
      { type: "text", text: "Hello." },
    ]);
    expect(
      deltas
        .filter((delta) => delta.kind === "thinking")
        .map((delta) => delta.text)
        .join(""),
    ).toBe("The user wants a greeting.");
    expect(deltas.at(-1)).toEqual({ kind: "text", text: "Hello." });
    expect(last().body.thinking).toEqual({ type: "enabled", budget_tokens: 1500 });
    // The SDK adds the thinking budget to max_tokens.
    expect(last().body.max_tokens).toBe(2500);
  });

  it("omitted thinking (a signature, no text) is kept, and its block opening counts as the first output", async () => {
    server.enqueue({
      kind: "reply",
      blocks: [
        { type: "thinking", text: "", signature: "sig-only" },
        { type: "text", text: "Hi." },
      ],
    });
    const { response, deltas, firstTokens } = await run(client(), request({ params: { thinking: true } }));
    expect(response!.content).toEqual([
      { type: "thinking", text: "", signature: "sig-only" },
      { type: "text", text: "Hi." },
    ]);
    expect(deltas).toEqual([{ kind: "text", text: "Hi." }]);
    expect(firstTokens).toHaveLength(1);
    expect(last().body.thinking).toEqual({ type: "enabled", budget_tokens: 2048 });
  });

  it("redacted thinking is kept as its opaque data, streamed or not, and goes back to Anthropic as it came", async () => {
    const blocks = [
      { type: "redacted_thinking" as const, data: "EmwKAhgBEgy3va3pzix/LafPsn4a" },
      { type: "text" as const, text: "Hi." },
    ];
    const kept = { type: "thinking", text: "", redacted: "EmwKAhgBEgy3va3pzix/LafPsn4a" };
    server.enqueue({ kind: "reply", blocks });
    const streamed = await run(client(), request({ params: { thinking: true } }));
    expect(streamed.response!.content).toEqual([kept, { type: "text", text: "Hi." }]);
    // Nothing to show while it streams, but its opening is the model's first output.
    expect(streamed.deltas).toEqual([{ kind: "text", text: "Hi." }]);
    expect(streamed.firstTokens).toHaveLength(1);
    server.enqueue({ kind: "reply", blocks });
    expect((await run(client(), request({ stream: false, params: { thinking: true } }))).response!.content).toEqual([kept, { type: "text", text: "Hi." }]);

    server.enqueue(step.text("Done."));
    const messages: ModelMessage[] = [
      { role: "user", content: [{ type: "text", text: "What time is it in Rome?" }] },
      {
        role: "assistant",
        content: [
          { type: "thinking", text: "", redacted: "EmwKAhgBEgy3va3pzix/LafPsn4a" },
          { type: "tool-call", id: "toolu_3", name: "get_time", input: { city: "Rome" } },
        ],
      },
      { role: "user", content: [{ type: "tool-result", toolCallId: "toolu_3", name: "get_time", output: "14:05" }] },
    ];
    await run(client(), request({ messages, tools: [timeTool], params: { thinking: true, promptCaching: false } }));
    expect(last().body.messages[1]).toEqual({
      role: "assistant",
      content: [
        { type: "redacted_thinking", data: "EmwKAhgBEgy3va3pzix/LafPsn4a" },
        { type: "tool_use", id: "toolu_3", name: "get_time", input: { city: "Rome" } },
      ],
    });
  });

  it("sends thinking blocks back with their signature, tool calls and tool results (errors flagged)", async () => {
    server.enqueue(step.text("Done."));
    const messages: ModelMessage[] = [
      { role: "user", content: [{ type: "text", text: "Weather in Paris?" }] },
      {
        role: "assistant",
        content: [
          { type: "thinking", text: "Use the tool.", signature: "sig-1" },
          { type: "text", text: "Let me check." },
          { type: "tool-call", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
          { type: "tool-call", id: "toolu_2", name: "get_time", input: { city: "Paris" } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool-result", toolCallId: "toolu_1", name: "get_weather", output: "18C, sunny" },
          { type: "tool-result", toolCallId: "toolu_2", name: "get_time", output: "clock broken", isError: true },
        ],
      },
    ];
    await run(client(), request({ messages, tools: [weatherTool, timeTool], params: { promptCaching: false } }));
    expect(last().body.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "Weather in Paris?" }] },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "Use the tool.", signature: "sig-1" },
          { type: "text", text: "Let me check." },
          { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
          { type: "tool_use", id: "toolu_2", name: "get_time", input: { city: "Paris" } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_1", content: "18C, sunny" },
          { type: "tool_result", tool_use_id: "toolu_2", content: "clock broken", is_error: true },
        ],
      },
    ]);
  });

  it("sends images (base64 and URL) in user messages", async () => {
    server.enqueue(step.text("A red dot."));
    const png = Buffer.from("fake png bytes").toString("base64");
    await run(
      client(),
      request({
        params: { promptCaching: false },
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "What is in these?" },
              { type: "image", source: { kind: "base64", mediaType: "image/png", data: png } },
              { type: "image", source: { kind: "url", url: "https://example.com/cat.jpg" } },
            ],
          },
        ],
      }),
    );
    expect(last().body.messages[0].content).toEqual([
      { type: "text", text: "What is in these?" },
      { type: "image", source: { type: "base64", media_type: "image/png", data: png } },
      { type: "image", source: { type: "url", url: "https://example.com/cat.jpg" } },
    ]);
  });

  it("a max_tokens stop becomes stopReason max_tokens and the request carries maxTokens and sampling params", async () => {
    server.enqueue(step.text("This answer is cut", { stop: "max_tokens", usage: { input: 12, output: 5 } }));
    const { response } = await run(client(), request({ params: { maxTokens: 5, temperature: 0.2 } }));
    expect(response!.stopReason).toBe("max_tokens");
    expect(textOf(response)).toBe("This answer is cut");
    expect(last().body).toMatchObject({ max_tokens: 5, temperature: 0.2 });
  });

  it("a stop_sequence stop is reported as such", async () => {
    server.enqueue(step.text("Halt", { stop: "stop_sequence" }));
    const { response } = await run(client(), request());
    expect(response!.stopReason).toBe("stop_sequence");
  });

  it("target params are defaults the request overrides", async () => {
    server.enqueue(step.text("ok"));
    const withDefaults = createTargetClient(
      { ...target, temperature: 0.7, maxTokens: 300 },
      { name: "anthropic", kind: "anthropic", baseURL: `${server.url}/v1`, apiKey: "k" },
    );
    await run(withDefaults, request({ params: { temperature: 0.1 } }));
    expect(last().body).toMatchObject({ max_tokens: 300, temperature: 0.1 });
  });

  it("stream: false uses the non-streaming endpoint: one JSON message, no deltas, no ttft", async () => {
    server.enqueue({
      kind: "reply",
      blocks: [
        { type: "thinking", text: "hmm", signature: "sig-x" },
        { type: "text", text: "Plain." },
        { type: "tool_use", id: "toolu_5", name: "get_time", input: { city: "Lima" } },
      ],
      usage: { input: 40, output: 9, cacheRead: 100, cacheWrite: 7 },
    });
    const { response, deltas, firstTokens } = await run(client(), request({ stream: false, tools: [timeTool] }));
    expect(last().body.stream).toBeUndefined();
    expect(deltas).toEqual([]);
    expect(firstTokens).toEqual([]);
    expect(response).toEqual({
      content: [
        { type: "thinking", text: "hmm", signature: "sig-x" },
        { type: "text", text: "Plain." },
        { type: "tool-call", id: "toolu_5", name: "get_time", input: { city: "Lima" } },
      ],
      stopReason: "tool_use",
      usage: { input: 40, output: 9, cacheRead: 100, cacheWrite: 7 },
      target: "anthropic:claude-sonnet-4-5",
    });
  });
});

describe("anthropic: prompt caching", () => {
  const history: ModelMessage[] = [
    { role: "user", content: [{ type: "text", text: "First question" }] },
    { role: "assistant", content: [{ type: "tool-call", id: "toolu_a", name: "get_time", input: { city: "Oslo" } }] },
    { role: "user", content: [{ type: "tool-result", toolCallId: "toolu_a", name: "get_time", output: "12:00" }] },
    { role: "assistant", content: [{ type: "text", text: "It is noon." }] },
    {
      role: "user",
      content: [
        { type: "text", text: "And now?" },
        { type: "text", text: "(be brief)" },
      ],
    },
  ];
  const countBreakpoints = (raw: string) => raw.split('"cache_control"').length - 1;

  it("by default marks system, the last tool and a rolling breakpoint on the newest and previous-turn messages", async () => {
    server.enqueue(step.text("Still noon.", { usage: { input: 5, output: 3, cacheRead: 1800, cacheWrite: 40 } }));
    const { response } = await run(client(), request({ messages: history, tools: [weatherTool, timeTool] }));
    const { body, raw } = last();
    expect(body.system).toEqual([{ type: "text", text: "You are terse.", cache_control: { type: "ephemeral" } }]);
    expect(body.tools[0].cache_control).toBeUndefined();
    expect(body.tools[1].cache_control).toEqual({ type: "ephemeral" });
    const messages = body.messages as Array<{ role: string; content: Array<Record<string, unknown>> }>;
    // newest message: only its last block carries the breakpoint
    expect(messages[4]!.content[0]!.cache_control).toBeUndefined();
    expect(messages[4]!.content[1]).toEqual({ type: "text", text: "(be brief)", cache_control: { type: "ephemeral" } });
    // the message the previous request ended with (the tool result before "It is noon.")
    expect(messages[2]!.content[0]).toMatchObject({ type: "tool_result", tool_use_id: "toolu_a", cache_control: { type: "ephemeral" } });
    expect(messages[0]!.content[0]!.cache_control).toBeUndefined();
    expect(countBreakpoints(raw)).toBe(4);
    // cache tokens the server reports flow into usage
    expect(response!.usage).toEqual({ input: 5, output: 3, cacheRead: 1800, cacheWrite: 40 });
  });

  it("promptCaching: false in the request params sends no cache_control at all", async () => {
    server.enqueue(step.text("ok"));
    await run(client(), request({ messages: history, tools: [weatherTool], params: { promptCaching: false } }));
    expect(last().raw).not.toContain("cache_control");
  });

  it("single breakpoints can be turned off", async () => {
    server.enqueue(step.text("ok"), step.text("ok"));
    await run(client(), request({ messages: history, tools: [weatherTool], params: { promptCaching: { system: false, messages: false } } }));
    expect(countBreakpoints(last().raw)).toBe(1);
    expect(last().body.tools[0].cache_control).toEqual({ type: "ephemeral" });
    await run(client(), request({ messages: history, tools: [weatherTool], params: { promptCaching: { tools: false } } }));
    expect(last().body.tools[0].cache_control).toBeUndefined();
    expect(last().body.system[0].cache_control).toEqual({ type: "ephemeral" });
  });

  it("the client option and the target set the default; the request wins", async () => {
    server.enqueue(step.text("ok"), step.text("ok"), step.text("ok"));
    await run(client({}, { promptCaching: false }), request({ messages: history }));
    expect(last().raw).not.toContain("cache_control");
    await run(client({}, { promptCaching: false }), request({ messages: history, params: { promptCaching: true } }));
    expect(countBreakpoints(last().raw)).toBe(3); // system + two messages, no tools
    const offByTarget = createTargetClient(
      { ...target, promptCaching: false },
      { name: "anthropic", kind: "anthropic", baseURL: `${server.url}/v1`, apiKey: "k" },
    );
    await run(offByTarget, request({ messages: history }));
    expect(last().raw).not.toContain("cache_control");
  });
});

describe("anthropic: errors", () => {
  it("429 with retry-after -> rate-limited with retryAfterMs", async () => {
    server.enqueue(step.error(429, { headers: { "retry-after": "7" }, message: "Number of request tokens has exceeded your per-minute rate limit" }));
    const error = await expectCategory(client(), request(), "rate-limited");
    expect(error.retryAfterMs).toBe(7000);
    expect(error.status).toBe(429);
    expect(error.transient).toBe(true);
    expect(error.message).toContain("per-minute rate limit");
  });

  it("529 -> overloaded", async () => {
    server.enqueue(step.error(529, { message: "Overloaded" }));
    const error = await expectCategory(client(), request(), "overloaded");
    expect(error.status).toBe(529);
  });

  it("500 then 200: the first call is a transient transport failure, the next call succeeds", async () => {
    server.enqueue(step.error(500, { message: "Internal server error" }), step.text("recovered"));
    const error = await expectCategory(client(), request(), "transport");
    expect(error.transient).toBe(true);
    const { response } = await run(client(), request());
    expect(textOf(response)).toBe("recovered");
    expect(server.requests).toHaveLength(2); // no SDK retries
  });

  it("401 -> auth, not transient", async () => {
    server.enqueue(step.error(401, { message: "invalid x-api-key" }));
    const error = await expectCategory(client(), request(), "auth");
    expect(error.transient).toBe(false);
  });

  it("400 prompt too long -> context-length; other 400s -> invalid-request", async () => {
    server.enqueue(step.error(400, { message: "prompt is too long: 208310 tokens > 200000 maximum" }));
    await expectCategory(client(), request(), "context-length");
    server.enqueue(step.error(400, { message: "messages.0.content: Field required" }));
    await expectCategory(client(), request(), "invalid-request");
  });

  it("a connection reset mid-stream -> transport, after the deltas that did arrive", async () => {
    server.enqueue({
      kind: "reply",
      blocks: [{ type: "text", text: "partial answer that never ends", chunks: ["partial ", "answer ", "that never ends"] }],
      resetAfterEvents: 5,
    });
    const { error, deltas } = await run(client(), request());
    expect(error?.category).toBe("transport");
    expect(deltas.map((delta) => delta.text).join("")).toBe("partial answer ");
    expect(error?.message).toContain("terminated");
  });

  it("a reset before any response -> transport", async () => {
    server.enqueue(step.reset());
    await expectCategory(client(), request(), "transport");
  });

  it("an in-stream overloaded error event -> overloaded", async () => {
    server.enqueue({ ...step.text("some text here"), streamError: { afterEvents: 4, type: "overloaded_error", message: "Overloaded" } });
    await expectCategory(client(), request(), "overloaded");
  });

  it("a stream cut short (no message_stop) -> transport, not a silently partial reply", async () => {
    server.enqueue({ ...step.text("half of it"), endAfterEvents: 4 });
    await expectCategory(client(), request(), "transport");
  });

  it("a malformed stream -> transport", async () => {
    server.enqueue({ kind: "raw", chunks: ["event: message_start\ndata: {not json\n\n", 'event: message_stop\ndata: {"type":"message_stop"}\n\n'] });
    await expectCategory(client(), request(), "transport");
  });

  it("a stall before the first token ends when the signal aborts: plain abort -> aborted", async () => {
    server.enqueue(step.text("too late", { firstTokenDelayMs: 5_000 }));
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 100);
    const { error } = await run(client(), request(), { signal: controller.signal });
    expect(error?.category).toBe("aborted");
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("an abort whose reason is a TimeoutError -> timeout; an LlmError reason is passed through", async () => {
    server.enqueue(step.text("too late", { headersDelayMs: 5_000 }));
    const { error } = await run(client(), request(), { signal: AbortSignal.timeout(100) });
    expect(error?.category).toBe("timeout");

    server.enqueue(step.text("too late", { firstTokenDelayMs: 5_000 }));
    const controller = new AbortController();
    const reason = new LlmError("timeout", "no first token within 100 ms");
    setTimeout(() => controller.abort(reason), 100);
    const second = await run(client(), request(), { signal: controller.signal });
    expect(second.error).toBe(reason);
  });

  it("an already-aborted signal rejects without a request", async () => {
    const controller = new AbortController();
    controller.abort();
    const { error } = await run(client(), request(), { signal: controller.signal });
    expect(error?.category).toBe("aborted");
    expect(server.requests).toHaveLength(0);
  });

  it("no API key for the public endpoint -> auth before any request", async () => {
    const noKey = createTargetClient(target, { name: "anthropic", kind: "anthropic" });
    const error = await expectCategory(noKey, request(), "auth");
    expect(error.message).toContain("no API key");
    // as the config resolves it: the public base URL spelled out
    const resolved = createTargetClient(target, { name: "anthropic", kind: "anthropic", baseURL: "https://api.anthropic.com/v1/" });
    await expectCategory(resolved, request(), "auth");
  });

  it("a throwing onDelta surfaces as the caller's own error, not a provider category", async () => {
    server.enqueue(step.text("hello"));
    const bug = new Error("renderer bug");
    await expect(
      client().call(request(), {
        signal: new AbortController().signal,
        onDelta: () => {
          throw bug;
        },
      }),
    ).rejects.toBe(bug);
  });
});
