/**
 * OpenRouter, z.ai, Ollama and any OpenAI-compatible base URL (@ai-sdk/openai-compatible), plus
 * models a host injects, against the local server.
 */
import { createAnthropic } from "@ai-sdk/anthropic";
import type { LanguageModelV2, LanguageModelV2StreamPart } from "@ai-sdk/provider";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { LlmError } from "../../core/src/llm/llm-error.js";
import { createTargetClient, languageModelTargetClient, type ProviderSpec } from "../../core/src/llm/providers/index.js";
import { startFakeProviderServer, step, type FakeProviderServer } from "../support/fake-provider-server.js";
import { expectCategory, request, run, textOf, timeTool } from "./helpers.js";

let server: FakeProviderServer;
beforeAll(async () => {
  server = await startFakeProviderServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  expect(server.pending()).toBe(0);
});
const last = () => server.requests.at(-1)!;

describe("openrouter", () => {
  const provider = (): ProviderSpec => ({
    name: "openrouter",
    kind: "openrouter",
    baseURL: `${server.url}/api/v1`,
    apiKey: { reveal: () => "sk-or-test" },
    headers: { "HTTP-Referer": "https://escapement.dev", "X-Title": "Escapement" },
  });
  const client = () => createTargetClient({ provider: "openrouter", model: "anthropic/claude-sonnet-4.5" }, provider());

  it("speaks the chat-completions wire at its base URL with bearer auth and attribution headers", async () => {
    server.enqueue({ ...step.text("Routed."), usage: { input: 12, output: 2, cacheRead: 300, cacheWrite: 25 } });
    const { response, deltas } = await run(client(), request());
    expect(textOf(response)).toBe("Routed.");
    expect(deltas.map((delta) => delta.text).join("")).toBe("Routed.");
    expect(response!.usage).toEqual({ input: 12, output: 2, cacheRead: 300, cacheWrite: 25 });
    expect(response!.target).toBe("openrouter:anthropic/claude-sonnet-4.5");
    const sent = last();
    expect(sent.path).toBe("/api/v1/chat/completions");
    expect(sent.headers.authorization).toBe("Bearer sk-or-test");
    expect(sent.headers["http-referer"]).toBe("https://escapement.dev");
    expect(sent.headers["x-title"]).toBe("Escapement");
    expect(sent.body).toMatchObject({ model: "anthropic/claude-sonnet-4.5", stream: true, stream_options: { include_usage: true } });
  });

  it("thinking becomes OpenRouter's reasoning parameter; reasoning_content streams as thinking", async () => {
    server.enqueue({
      kind: "reply",
      blocks: [
        { type: "thinking", text: "Let me think." },
        { type: "text", text: "Answer." },
      ],
    });
    const { response, deltas } = await run(client(), request({ params: { thinking: { budgetTokens: 4000 } } }));
    expect(last().body.reasoning).toEqual({ max_tokens: 4000 });
    expect(response!.content).toEqual([
      { type: "thinking", text: "Let me think." },
      { type: "text", text: "Answer." },
    ]);
    expect(deltas[0]).toEqual({ kind: "thinking", text: "Let me t" });
  });

  it("streams tool calls and a max_tokens stop", async () => {
    server.enqueue(step.tool("call_or_1", "get_time", { city: "Quito" }), step.text("trunc", { stop: "max_tokens" }));
    const first = await run(client(), request({ tools: [timeTool] }));
    expect(first.response!.content).toEqual([{ type: "tool-call", id: "call_or_1", name: "get_time", input: { city: "Quito" } }]);
    expect(first.response!.stopReason).toBe("tool_use");
    const second = await run(client(), request());
    expect(second.response!.stopReason).toBe("max_tokens");
  });

  it("429 with retry-after -> rate-limited", async () => {
    server.enqueue(step.error(429, { headers: { "retry-after": "3" }, message: "Rate limit exceeded: free-models-per-min" }));
    const error = await expectCategory(client(), request(), "rate-limited");
    expect(error.retryAfterMs).toBe(3000);
  });

  it("no key for the public endpoint -> auth before any request", async () => {
    const noKey = createTargetClient({ provider: "openrouter", model: "x" }, { name: "openrouter", kind: "openrouter" });
    await expectCategory(noKey, request(), "auth");
  });
});

describe("z.ai", () => {
  const client = () =>
    createTargetClient({ provider: "zai", model: "glm-4.6" }, { name: "zai", kind: "zai", baseURL: `${server.url}/api/paas/v4`, apiKey: "zai-test-key" });

  it("speaks the chat-completions wire at /api/paas/v4 with cached tokens in usage", async () => {
    server.enqueue({ ...step.text("你好"), usage: { input: 9, output: 2, cacheRead: 512 } });
    const { response } = await run(client(), request());
    expect(textOf(response)).toBe("你好");
    expect(response!.usage).toEqual({ input: 9, output: 2, cacheRead: 512, cacheWrite: 0 });
    expect(last().path).toBe("/api/paas/v4/chat/completions");
    expect(last().headers.authorization).toBe("Bearer zai-test-key");
  });

  it("thinking on/off becomes z.ai's thinking.type", async () => {
    server.enqueue(step.text("a"), step.text("b"));
    await run(client(), request({ params: { thinking: true } }));
    expect(last().body.thinking).toEqual({ type: "enabled" });
    await run(client(), request({ params: { thinking: false } }));
    expect(last().body.thinking).toEqual({ type: "disabled" });
  });

  it("a 400 with a context-window message -> context-length", async () => {
    server.enqueue(step.error(400, { message: "Prompt exceeds max length; input token count 210000 exceeds the model context", code: "1261" }));
    await expectCategory(client(), request(), "context-length");
  });
});

describe("ollama", () => {
  const client = () => createTargetClient({ provider: "ollama", model: "llama3.2" }, { name: "ollama", kind: "ollama", baseURL: `${server.url}/v1` });

  it("needs no key and sends no Authorization header", async () => {
    server.enqueue(step.text("local"));
    const { response } = await run(client(), request());
    expect(textOf(response)).toBe("local");
    expect(last().path).toBe("/v1/chat/completions");
    expect(last().headers.authorization).toBeUndefined();
  });

  it("tool calls reported beside finish_reason stop are still tool_use", async () => {
    server.enqueue({ ...step.tool("call_ol", "get_time", { city: "Lagos" }), stop: "end_turn" });
    const { response } = await run(client(), request({ tools: [timeTool] }));
    expect(response!.stopReason).toBe("tool_use");
  });

  it("connection refused -> transport", async () => {
    const down = createTargetClient({ provider: "ollama", model: "m" }, { name: "ollama", kind: "ollama", baseURL: "http://127.0.0.1:1/v1" });
    const error = await expectCategory(down, request(), "transport");
    expect(error.message).toMatch(/connect/i);
  });
});

describe("any OpenAI-compatible base URL", () => {
  it("uses the base URL and headers as given", async () => {
    server.enqueue(step.text("vllm says hi"));
    const client = createTargetClient(
      { provider: "my-vllm", model: "qwen3-32b" },
      { name: "my-vllm", kind: "openai-compatible", baseURL: `${server.url}/custom/prefix/`, apiKey: "tok", headers: { "x-team": "core" } },
    );
    const { response } = await run(client, request({ stream: false }));
    expect(textOf(response)).toBe("vllm says hi");
    expect(last().path).toBe("/custom/prefix/chat/completions");
    expect(last().headers["x-team"]).toBe("core");
    expect(last().headers.authorization).toBe("Bearer tok");
  });

  it("without a base URL it cannot be built", () => {
    expect(() => createTargetClient({ provider: "x", model: "m" }, { name: "x", kind: "openai-compatible" })).toThrow(LlmError);
  });

  it("a custom fetch sees every request", async () => {
    server.enqueue(step.text("via fetch"));
    const seen: string[] = [];
    const client = createTargetClient(
      { provider: "p", model: "m" },
      { name: "p", kind: "openai-compatible", baseURL: "http://unused.invalid/v1" },
      {
        fetch: (input, init) => {
          const url = String(input instanceof Request ? input.url : input);
          seen.push(url);
          return fetch(url.replace("http://unused.invalid", server.url), init);
        },
      },
    );
    expect(textOf((await run(client, request())).response)).toBe("via fetch");
    expect(seen).toEqual(["http://unused.invalid/v1/chat/completions"]);
  });
});

describe("a host's own AI SDK model", () => {
  it("a V3 model (here @ai-sdk/anthropic built by the host) gets Anthropic caching inferred from its provider id", async () => {
    server.enqueue(step.text("hosted"));
    const model = createAnthropic({ baseURL: `${server.url}/v1`, apiKey: "host-key" })("claude-haiku-4-5");
    const client = languageModelTargetClient({ provider: "host-anthropic", model: "claude-haiku-4-5" }, model);
    const { response } = await run(client, request());
    expect(textOf(response)).toBe("hosted");
    expect(response!.target).toBe("host-anthropic:claude-haiku-4-5");
    expect(last().headers["x-api-key"]).toBe("host-key");
    expect(last().body.system[0].cache_control).toEqual({ type: "ephemeral" });
  });

  it("a factory by model id", async () => {
    server.enqueue(step.text("from factory"));
    const ids: string[] = [];
    const client = languageModelTargetClient({ provider: "host", model: "claude-x" }, (id) => {
      ids.push(id);
      return createAnthropic({ baseURL: `${server.url}/v1`, apiKey: "k" })(id);
    });
    expect(textOf((await run(client, request())).response)).toBe("from factory");
    expect(ids).toEqual(["claude-x"]);
  });

  it("a V2 model streams through the AI SDK's V2 adapter, usage and all", async () => {
    const parts: LanguageModelV2StreamPart[] = [
      { type: "stream-start", warnings: [] },
      { type: "text-start", id: "t" },
      { type: "text-delta", id: "t", delta: "v2 " },
      { type: "text-delta", id: "t", delta: "model" },
      { type: "text-end", id: "t" },
      { type: "finish", finishReason: "stop", usage: { inputTokens: 50, outputTokens: 3, totalTokens: 53, cachedInputTokens: 20 } },
    ];
    const v2: LanguageModelV2 = {
      specificationVersion: "v2",
      provider: "legacy.chat",
      modelId: "old-1",
      supportedUrls: {},
      doGenerate: () => Promise.reject(new Error("not used")),
      doStream: async () => ({
        stream: new ReadableStream<LanguageModelV2StreamPart>({
          start(controller) {
            for (const part of parts) controller.enqueue(part);
            controller.close();
          },
        }),
      }),
    };
    const client = languageModelTargetClient({ provider: "legacy", model: "old-1" }, v2);
    const { response, deltas } = await run(client, request());
    expect(deltas.map((delta) => delta.text)).toEqual(["v2 ", "model"]);
    expect(response).toMatchObject({ content: [{ type: "text", text: "v2 model" }], stopReason: "end_turn" });
    expect(response!.usage).toEqual({ input: 30, output: 3, cacheRead: 20, cacheWrite: 0 });
  });

  it("a model that throws an HTTP-shaped error is classified the same way", async () => {
    const { APICallError } = await import("@ai-sdk/provider");
    const v2: LanguageModelV2 = {
      specificationVersion: "v2",
      provider: "legacy.chat",
      modelId: "old-1",
      supportedUrls: {},
      doGenerate: () => Promise.reject(new Error("not used")),
      doStream: () =>
        Promise.reject(new APICallError({ message: "slow down", url: "u", requestBodyValues: {}, statusCode: 429, responseHeaders: { "retry-after": "1" } })),
    };
    const error = await expectCategory(languageModelTargetClient({ provider: "legacy", model: "old-1" }, v2), request(), "rate-limited");
    expect(error.retryAfterMs).toBe(1000);
  });

  it("something that is not a model is refused up front", () => {
    expect(() => languageModelTargetClient({ provider: "x", model: "y" }, {} as never)).toThrow(/not an AI SDK language model/);
  });
});
