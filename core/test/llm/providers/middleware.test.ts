/** AI SDK middleware on a target client: applied per alias, its own failures named, the provider's passed through. */
import type { LanguageModelMiddleware } from "ai";
import { describe, expect, it } from "vitest";
import { isLlmError, type LlmError } from "../../../src/llm/llm-error.js";
import type { ModelRequest } from "../../../src/llm/protocol.js";
import { createTargetClient, middlewareFor, nameMiddleware, sentRequestOf } from "../../../src/llm/providers/index.js";
import { fakeNetwork } from "../../lib/fake-network.js";

const provider = { name: "house", kind: "anthropic" as const, baseURL: "http://house.test/v1", apiKey: "sk-house-5e3a1c" };
const target = { provider: "house", model: "house-model-1" };
const request = (model = "default", stream = true): ModelRequest => ({
  model,
  messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }],
  tools: [],
  params: {},
  stream,
  origin: { invokeId: "c", stateId: "s", turn: 1 },
});
const failureOf = async (promise: Promise<unknown>): Promise<LlmError> => {
  try {
    await promise;
  } catch (error) {
    if (isLlmError(error)) return error;
    throw error;
  }
  throw new Error("expected a failure");
};

describe("middleware on a target client", () => {
  it("names bare middleware by position and picks the entries of an alias in order", () => {
    const a: LanguageModelMiddleware = { specificationVersion: "v3", transformParams: async ({ params }) => params };
    const named = nameMiddleware([a, { name: "fast-only", aliases: ["fast"], middleware: a }, { middleware: a }]);
    expect(named.map((entry) => entry.name)).toEqual(["middleware[0]", "fast-only", "middleware[2]"]);
    expect(middlewareFor(named, "fast").map((entry) => entry.name)).toEqual(["middleware[0]", "fast-only", "middleware[2]"]);
    expect(middlewareFor(named, "default").map((entry) => entry.name)).toEqual(["middleware[0]", "middleware[2]"]);
  });

  it("transformParams changes what is sent; wrapStream sees the call; the first middleware sees the request first", async () => {
    const network = fakeNetwork();
    network.enqueue("house.test", { text: "original" });
    const seen: string[] = [];
    const client = createTargetClient(target, provider, {
      fetch: network.fetch,
      middleware: [
        {
          specificationVersion: "v3",
          transformParams: async ({ params }) => {
            seen.push(`first sees temperature ${params.temperature}`);
            return { ...params, temperature: 0.5 };
          },
        },
        {
          specificationVersion: "v3",
          transformParams: async ({ params }) => {
            seen.push(`second sees temperature ${params.temperature}`);
            return { ...params, maxOutputTokens: 77 };
          },
          wrapStream: async ({ doStream }) => {
            seen.push("stream");
            return doStream();
          },
        },
      ],
    });
    const response = await client.call(request("default", true), { signal: new AbortController().signal });
    expect(response.content).toEqual([{ type: "text", text: "original" }]);
    expect(seen).toEqual(["first sees temperature undefined", "second sees temperature 0.5", "stream"]);
    expect(network.requests[0]!.body).toMatchObject({ temperature: 0.5, max_tokens: 77 });
  });

  it("a throw of the middleware's own is an LlmError naming it and the hook; a provider failure it wraps stays the provider's", async () => {
    const network = fakeNetwork();
    const client = createTargetClient(target, provider, {
      fetch: network.fetch,
      middleware: [
        { specificationVersion: "v3", wrapStream: async ({ doStream }) => doStream() },
        {
          name: "audit",
          aliases: ["audited"],
          middleware: {
            specificationVersion: "v3",
            wrapStream: async () => {
              throw new TypeError("audit log is read-only");
            },
          },
        },
      ],
    });
    const own = await failureOf(client.call(request("audited"), { signal: new AbortController().signal }));
    expect(own.category).toBe("invalid-request");
    expect(own.message).toBe('middleware "audit" failed in wrapStream: audit log is read-only');
    expect(own.detail).toEqual({ middleware: "audit", hook: "wrapStream" });
    expect(network.requests).toHaveLength(0);

    // Nothing queued: the provider answers 500; the pass-through middleware does not take the blame.
    const providers = await failureOf(client.call(request("default"), { signal: new AbortController().signal }));
    expect(network.requests).toHaveLength(1);
    expect(providers.message).not.toContain("middleware");
    expect(providers.category).not.toBe("invalid-request");
  });

  it("what was sent is JSON data: no abort signal, no headers, bytes as base64, URLs as text", () => {
    const sent = sentRequestOf({
      prompt: [
        {
          role: "user",
          content: [
            { type: "file", mediaType: "image/png", data: new Uint8Array([137, 80, 78, 71]) },
            { type: "file", mediaType: "image/png", data: new URL("https://example.com/a.png") },
          ],
        },
      ],
      temperature: 0.2,
      headers: { "x-api-key": "sk-house-5e3a1c" },
      abortSignal: new AbortController().signal,
    });
    expect(sent).toEqual({
      prompt: [
        {
          role: "user",
          content: [
            { type: "file", mediaType: "image/png", data: "iVBORw==" },
            { type: "file", mediaType: "image/png", data: "https://example.com/a.png" },
          ],
        },
      ],
      temperature: 0.2,
    });
  });
});
