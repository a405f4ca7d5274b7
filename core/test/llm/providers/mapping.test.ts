import { describe, expect, expectTypeOf, it } from "vitest";
import type { ResolvedProvider } from "../../../src/config/index.js";
import { Secret } from "../../../src/config/secret.js";
import { LlmError } from "../../../src/llm/llm-error.js";
import type { ModelMessage } from "../../../src/llm/protocol.js";
import { createTargetClient, providerOptionsFor, type ProviderSpec, resolvePromptCaching } from "../../../src/llm/providers/index.js";
import { toAiSdkPrompt } from "../../../src/llm/providers/messages.js";
import { toStopReason, toUsage } from "../../../src/llm/providers/response.js";

const cacheAll = { system: true, tools: true, messages: true };
const ephemeral = { anthropic: { cacheControl: { type: "ephemeral" } } };

describe("toAiSdkPrompt", () => {
  it("maps system, text, images, tool calls, tool results and thinking", () => {
    const messages: ModelMessage[] = [
      {
        role: "user",
        content: [
          { type: "text", text: "look" },
          { type: "image", source: { kind: "base64", mediaType: "image/jpeg", data: "AAAA" } },
          { type: "image", source: { kind: "url", url: "https://x.test/a.png" } },
        ],
      },
      {
        role: "assistant",
        content: [
          { type: "thinking", text: "hm", signature: "s1" },
          { type: "thinking", text: "unsigned" },
          { type: "thinking", text: "", redacted: "opaque" },
          { type: "text", text: "" },
          { type: "text", text: "calling" },
          { type: "tool-call", id: "c1", name: "t", input: { a: 1 } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "text", text: "also" },
          { type: "tool-result", toolCallId: "c1", name: "t", output: "bad", isError: true },
        ],
      },
    ];
    const prompt = toAiSdkPrompt({ system: "sys", messages, tools: [] });
    expect(prompt.system).toEqual({ role: "system", content: "sys" });
    expect(prompt.tools).toBeUndefined();
    expect(prompt.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "look" },
          { type: "image", image: "AAAA", mediaType: "image/jpeg" },
          { type: "image", image: new URL("https://x.test/a.png") },
        ],
      },
      {
        role: "assistant",
        content: [
          { type: "reasoning", text: "hm", providerOptions: { anthropic: { signature: "s1" } } },
          { type: "reasoning", text: "unsigned" },
          { type: "reasoning", text: "", providerOptions: { anthropic: { redactedData: "opaque" } } },
          { type: "text", text: "calling" },
          { type: "tool-call", toolCallId: "c1", toolName: "t", input: { a: 1 } },
        ],
      },
      // tool results first (the AI SDK's tool message), then the rest of the user message
      { role: "tool", content: [{ type: "tool-result", toolCallId: "c1", toolName: "t", output: { type: "error-text", value: "bad" } }] },
      { role: "user", content: [{ type: "text", text: "also" }] },
    ]);
  });

  it("no cache marks without a cache setting; an empty system prompt is omitted", () => {
    const prompt = toAiSdkPrompt({ system: "", messages: [{ role: "user", content: [{ type: "text", text: "x" }] }], tools: [] });
    expect(prompt.system).toBeUndefined();
    expect(JSON.stringify(prompt)).not.toContain("cacheControl");
  });

  it("cache marks: system, last tool, newest message and the previous request's last message", () => {
    const messages: ModelMessage[] = [
      { role: "user", content: [{ type: "text", text: "q1" }] },
      { role: "assistant", content: [{ type: "text", text: "a1" }] },
      { role: "user", content: [{ type: "text", text: "q2" }] },
      { role: "assistant", content: [{ type: "tool-call", id: "c", name: "t", input: {} }] },
      {
        role: "user",
        content: [
          { type: "tool-result", toolCallId: "c", name: "t", output: "r" },
          { type: "text", text: "q3" },
        ],
      },
    ];
    const tools = [
      { name: "a", description: "A", inputSchema: { type: "object" } },
      { name: "b", description: "B", inputSchema: { type: "object" } },
    ];
    const prompt = toAiSdkPrompt({ system: "sys", messages, tools }, cacheAll);
    expect(prompt.system?.providerOptions).toEqual(ephemeral);
    expect(prompt.tools!.a!.providerOptions).toBeUndefined();
    expect(prompt.tools!.b!.providerOptions).toEqual(ephemeral);
    const marked = prompt.messages.map((message) => message.providerOptions !== undefined);
    // q1, a1, q2 (previous request's end), assistant tool call, tool message, user "q3" (newest)
    expect(marked).toEqual([false, false, true, false, false, true]);
  });

  it("a first request (no assistant turn yet) has one message breakpoint", () => {
    const prompt = toAiSdkPrompt({ messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }], tools: [] }, cacheAll);
    expect(prompt.messages[0]!.providerOptions).toEqual(ephemeral);
    expect(prompt.system).toBeUndefined();
  });

  it("malformed tool-call input from history goes back as an object", () => {
    const prompt = toAiSdkPrompt({
      messages: [
        {
          role: "assistant",
          content: [
            { type: "tool-call", id: "1", name: "t", input: '{"a":2}' },
            { type: "tool-call", id: "2", name: "t", input: "{broken" },
            { type: "tool-call", id: "3", name: "t", input: [1] },
          ],
        },
      ],
      tools: [],
    });
    const inputs = (prompt.messages[0]!.content as Array<{ input: unknown }>).map((part) => part.input);
    expect(inputs).toEqual([{ a: 2 }, {}, {}]);
  });

  it("refuses a tool call in a user message and a bad image URL", () => {
    expect(() => toAiSdkPrompt({ messages: [{ role: "user", content: [{ type: "tool-call", id: "x", name: "t", input: {} }] }], tools: [] })).toThrow(LlmError);
    expect(() => toAiSdkPrompt({ messages: [{ role: "user", content: [{ type: "image", source: { kind: "url", url: "not a url" } }] }], tools: [] })).toThrow(
      /not a valid URL/,
    );
  });
});

describe("resolvePromptCaching", () => {
  it("first defined setting wins; default all on; object keys default on", () => {
    expect(resolvePromptCaching()).toEqual(cacheAll);
    expect(resolvePromptCaching(undefined, false, true)).toEqual({ system: false, tools: false, messages: false });
    expect(resolvePromptCaching({ tools: false }, false)).toEqual({ system: true, tools: false, messages: true });
    expect(resolvePromptCaching(undefined, undefined, { messages: false })).toEqual({ system: true, tools: true, messages: false });
  });
});

describe("toUsage", () => {
  it("Anthropic-style usage: noCache is input", () => {
    expect(
      toUsage({
        inputTokens: 1250,
        inputTokenDetails: { noCacheTokens: 50, cacheReadTokens: 1000, cacheWriteTokens: 200 },
        outputTokens: 30,
        outputTokenDetails: { textTokens: 30, reasoningTokens: undefined },
        totalTokens: 1280,
      }),
    ).toEqual({ input: 50, output: 30, cacheRead: 1000, cacheWrite: 200 });
  });

  it("falls back to total minus cached, the deprecated cachedInputTokens and Anthropic metadata", () => {
    expect(toUsage({ inputTokens: 100, cachedInputTokens: 60, outputTokens: 5 })).toEqual({ input: 40, output: 5, cacheRead: 60, cacheWrite: 0 });
    expect(toUsage({ inputTokens: 100, outputTokens: 5 }, { anthropic: { cacheCreationInputTokens: 30 } })).toEqual({
      input: 70,
      output: 5,
      cacheRead: 0,
      cacheWrite: 30,
    });
    expect(toUsage(undefined)).toEqual({ input: 0, output: 0, cacheRead: 0, cacheWrite: 0 });
  });
});

describe("toStopReason", () => {
  it("maps finish reasons", () => {
    expect(toStopReason("stop", "end_turn", false)).toBe("end_turn");
    expect(toStopReason("stop", "stop_sequence", false)).toBe("stop_sequence");
    expect(toStopReason("length", "max_tokens", false)).toBe("max_tokens");
    expect(toStopReason("length", "length", true)).toBe("max_tokens");
    expect(toStopReason("tool-calls", "tool_use", true)).toBe("tool_use");
    expect(toStopReason("stop", "stop", true)).toBe("tool_use");
    expect(toStopReason("content-filter", "content_filter", false)).toBe("end_turn");
    expect(toStopReason("other", undefined, false)).toBe("end_turn");
  });
});

describe("providerOptionsFor (thinking)", () => {
  it("per provider kind", () => {
    expect(providerOptionsFor("anthropic", "anthropic", { budgetTokens: 3000 })).toEqual({ anthropic: { thinking: { type: "enabled", budgetTokens: 3000 } } });
    expect(providerOptionsFor("anthropic", "anthropic", true)).toEqual({ anthropic: { thinking: { type: "enabled", budgetTokens: 2048 } } });
    expect(providerOptionsFor("anthropic", "anthropic", false)).toBeUndefined();
    expect(providerOptionsFor("openai", "openai", { budgetTokens: 1000 })).toEqual({ openai: { reasoningEffort: "low" } });
    expect(providerOptionsFor("openai", "openai", { budgetTokens: 20000 })).toEqual({ openai: { reasoningEffort: "high" } });
    expect(providerOptionsFor("openrouter", "or", { budgetTokens: 500 })).toEqual({ or: { reasoning: { max_tokens: 500 } } });
    expect(providerOptionsFor("openrouter", "or", false)).toEqual({ or: { reasoning: { enabled: false } } });
    expect(providerOptionsFor("zai", "zai", true)).toEqual({ zai: { thinking: { type: "enabled" } } });
    expect(providerOptionsFor("ollama", "ollama", true)).toBeUndefined();
    expect(providerOptionsFor("anthropic", "anthropic", undefined)).toBeUndefined();
  });
});

describe("the config's ResolvedProvider", () => {
  it("is a ProviderSpec (a Secret is read with reveal())", async () => {
    expectTypeOf<ResolvedProvider>().toMatchTypeOf<ProviderSpec>();
    const resolved: ResolvedProvider = {
      name: "anthropic",
      kind: "anthropic",
      baseURL: "http://127.0.0.1:1/v1",
      apiKey: new Secret("sk-test"),
      baseURLSource: "config",
      autodetected: false,
    };
    const client = createTargetClient({ provider: "anthropic", model: "m" }, resolved);
    await expect(
      client.call(
        {
          model: "m",
          messages: [{ role: "user", content: [{ type: "text", text: "x" }] }],
          tools: [],
          params: {},
          stream: true,
          origin: { invokeId: "i", stateId: "s", turn: 1 },
        },
        { signal: new AbortController().signal },
      ),
    ).rejects.toMatchObject({ category: "transport" });
  });
});
