/**
 * `recordReplay`: the AI SDK middleware that records a model's calls into a cassette and answers
 * them from it, against a local server speaking the Anthropic wire. A replay must not reach the
 * server; the cassette is a run's format (loadCassette reads it, and the middleware replays a
 * run's); bad cassettes give one clear error or a warning.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAnthropic } from "@ai-sdk/anthropic";
import { APICallError } from "@ai-sdk/provider";
import { generateObject, generateText, jsonSchema, stepCountIs, streamText, tool, wrapLanguageModel } from "ai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CassetteMissError, CassetteWriter, loadCassette, recordReplay, recordingModel, type RecordReplayOptions } from "../../core/src/index.js";
import type { ModelClient } from "../../core/src/llm/protocol.js";
import { systemClock } from "../../core/src/runtime/clock.js";
import { startFakeProviderServer, step, type FakeProviderServer } from "../support/fake-provider-server.js";

// The house model is unknown to the SDK, which would warn about its output limit on every call.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

let server: FakeProviderServer;
beforeAll(async () => {
  server = await startFakeProviderServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  expect(server.pending()).toBe(0);
});
const work = mkdtempSync(join(tmpdir(), "escapement-record-replay-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let files = 0;
const cassettePath = (): string => join(work, `c${++files}.jsonl`);

const apiKey = "sk-house-test-9d2b7f41c3";
const bare = (modelId = "house-model-1") => createAnthropic({ baseURL: `${server.url}/v1`, apiKey }).messages(modelId);
const wrapped = (options: RecordReplayOptions, modelId?: string) =>
  wrapLanguageModel({ model: bare(modelId), middleware: recordReplay({ env: {}, onWarning: () => {}, ...options }) });

const weather = tool({
  description: "The weather in a city",
  inputSchema: jsonSchema<{ city: string }>({ type: "object", properties: { city: { type: "string" } }, required: ["city"] }),
  execute: async ({ city }) => `sunny in ${city}`,
});

/** A streamed two-step conversation with a tool call: its text, the tool inputs it ran, and how many steps. */
async function weatherChat(model: ReturnType<typeof wrapped>): Promise<{ text: string; inputs: unknown[] }> {
  const inputs: unknown[] = [];
  const result = streamText({
    model,
    system: "You answer about the weather.",
    prompt: "Weather in Paris?",
    tools: {
      weather: { ...weather, execute: async (input: { city: string }) => (inputs.push(input), weather.execute!(input, { toolCallId: "", messages: [] })) },
    },
    stopWhen: stepCountIs(2),
    maxRetries: 0,
  });
  return { text: await result.text, inputs };
}

describe("recordReplay", () => {
  it("records generateText and replays it without calling the model; the cassette loads with loadCassette", async () => {
    const path = cassettePath();
    server.enqueue(step.text("Hello from the house model."));
    const recorded = await generateText({ model: wrapped({ path, mode: "record" }), prompt: "Say hello.", maxRetries: 0 });
    expect(server.requests).toHaveLength(1);

    const cassette = await loadCassette(path, "ai-sdk");
    expect(cassette.calls).toHaveLength(1);
    expect(cassette.calls[0]).toMatchObject({
      position: 1,
      request: { model: "house-model-1" },
      response: { content: [{ type: "text", text: "Hello from the house model." }] },
    });

    const replayed = await generateText({ model: wrapped({ path, mode: "replay" }), prompt: "Say hello.", maxRetries: 0 });
    expect(replayed.text).toBe(recorded.text);
    expect(replayed.usage.outputTokens).toBe(recorded.usage.outputTokens);
    expect(server.requests).toHaveLength(1);
  });

  it("replays a streamed conversation with tool calls: the same text, the same tool inputs, no request", async () => {
    const path = cassettePath();
    server.enqueue(step.tool("toolu_1", "weather", { city: "Paris" }), step.text("It is sunny in Paris."));
    const live = await weatherChat(wrapped({ path, mode: "record" }));
    expect(server.requests).toHaveLength(2);
    expect((await loadCassette(path)).calls.map((call) => call.response?.stopReason)).toEqual(["tool_use", "end_turn"]);

    const replayed = await weatherChat(wrapped({ path, mode: "replay" }));
    expect(replayed).toEqual(live);
    expect(replayed).toEqual({ text: "It is sunny in Paris.", inputs: [{ city: "Paris" }] });
    expect(server.requests).toHaveLength(2);
  });

  it("replays generateObject", async () => {
    const path = cassettePath();
    const schema = jsonSchema<{ name: string; legs: number }>({
      type: "object",
      properties: { name: { type: "string" }, legs: { type: "number" } },
      required: ["name", "legs"],
      additionalProperties: false,
    });
    server.enqueue(step.text('{"name":"fox","legs":4}'));
    const ask = (mode: RecordReplayOptions["mode"]) => generateObject({ model: wrapped({ path, mode }), schema, prompt: "An animal.", maxRetries: 0 });
    const live = await ask("record");
    expect((await ask("replay")).object).toEqual(live.object);
    expect(live.object).toEqual({ name: "fox", legs: 4 });
    expect(server.requests).toHaveLength(1);
  });

  it("keeps the recorded pace when asked: each part waits for its recorded offset, the call ends when it did", async () => {
    const path = cassettePath();
    server.enqueue({ kind: "reply", blocks: [{ type: "text", text: "one two three", chunks: ["one ", "two ", "three"] }], eventDelayMs: 20 });
    await streamText({ model: wrapped({ path, mode: "record" }), prompt: "Count.", maxRetries: 0 }).text;
    const [call] = (await loadCassette(path)).calls;
    expect(call!.stream.map((fragment) => fragment.text)).toEqual(["one ", "two ", "three"]);

    const waits: number[] = [];
    const sleep = async (ms: number) => void waits.push(ms);
    const text = await streamText({ model: wrapped({ path, mode: "replay", timing: "recorded", sleep }), prompt: "Count.", maxRetries: 0 }).text;
    expect(text).toBe("one two three");
    expect(waits.reduce((sum, ms) => sum + ms, 0)).toBe(call!.elapsedMs);
    expect(waits.length).toBeGreaterThanOrEqual(3);

    waits.length = 0;
    await streamText({ model: wrapped({ path, mode: "replay", sleep }), prompt: "Count.", maxRetries: 0 }).text;
    expect(waits).toEqual([]);
  });

  it("replays at once: whole blocks by default, the recorded chunks with timing chunks", async () => {
    const path = cassettePath();
    server.enqueue({ kind: "reply", blocks: [{ type: "text", text: "one two three", chunks: ["one ", "two ", "three"] }] });
    await streamText({ model: wrapped({ path, mode: "record" }), prompt: "Count.", maxRetries: 0 }).text;
    const deltas = async (timing?: "instant" | "chunks") => {
      const seen: string[] = [];
      for await (const part of streamText({ model: wrapped({ path, mode: "replay", ...(timing ? { timing } : {}) }), prompt: "Count.", maxRetries: 0 })
        .fullStream)
        if (part.type === "text-delta") seen.push(part.text);
      return seen;
    };
    expect(await deltas()).toEqual(["one two three"]);
    expect(await deltas("chunks")).toEqual(["one ", "two ", "three"]);
  });

  it("a strict miss throws CassetteMissError with the request diff; not strict, the call goes to the model unrecorded", async () => {
    const path = cassettePath();
    server.enqueue(step.text("Hello."));
    await generateText({ model: wrapped({ path, mode: "record" }), prompt: "Say hello.", maxRetries: 0 });
    const before = readFileSync(path, "utf8");

    const missed = await generateText({ model: wrapped({ path, mode: "replay" }), prompt: "Say goodbye.", maxRetries: 0 }).catch((error: unknown) => error);
    expect(missed).toBeInstanceOf(CassetteMissError);
    expect((missed as CassetteMissError).diff).toContain('messages[0].content[0].text: recorded "Say hello.", now "Say goodbye."');
    expect((missed as CassetteMissError).message.split("\n")[0]).toBe(
      `${path}: call #1 (state house-model-1, turn 1) is not in the cassette; nearest recorded call #1 (state house-model-1, turn 1) differs at:`,
    );

    server.enqueue(step.text("Goodbye."));
    const passed = await generateText({ model: wrapped({ path, mode: "replay", strict: false }), prompt: "Say goodbye.", maxRetries: 0 });
    expect(passed.text).toBe("Goodbye.");
    expect(readFileSync(path, "utf8")).toBe(before);
  });

  it("records a provider's refusal and replays it as the same APICallError; the SDK's retry finds its answer next", async () => {
    const path = cassettePath();
    server.enqueue(step.error(429, { message: "slow down", headers: { "retry-after-ms": "10" } }), step.text("Hello after a wait."));
    const ask = (mode: RecordReplayOptions["mode"]) => generateText({ model: wrapped({ path, mode }), prompt: "Say hello.", maxRetries: 1 });
    expect((await ask("record")).text).toBe("Hello after a wait.");
    const calls = (await loadCassette(path)).calls;
    expect(calls.map((call) => call.error ?? "answer")).toEqual([
      { category: "rate-limited", message: expect.stringContaining("slow down"), status: 429 },
      "answer",
    ]);
    expect(server.requests).toHaveLength(2);

    // The retry is replayed too: the refusal, then the answer, and nothing reaches the server.
    expect((await ask("replay")).text).toBe("Hello after a wait.");
    expect(server.requests).toHaveLength(2);

    // Without a retry the app meets the refusal as the AI SDK throws it.
    server.enqueue(step.error(400, { message: "bad prompt" }));
    const failing = cassettePath();
    const fail = (mode: RecordReplayOptions["mode"]) =>
      generateText({ model: wrapped({ path: failing, mode }), prompt: "Break.", maxRetries: 0 }).catch((error: unknown) => error);
    const live = await fail("record");
    const replayed = await fail("replay");
    expect(APICallError.isInstance(replayed)).toBe(true);
    expect(replayed).toMatchObject({ statusCode: 400, isRetryable: false, message: (live as Error).message });
    expect(server.requests).toHaveLength(3);
  });

  it("auto replays what the cassette holds and records the rest", async () => {
    const path = cassettePath();
    const ask = (prompt: string) => generateText({ model: wrapped({ path, mode: "auto" }), prompt, maxRetries: 0 });
    server.enqueue(step.text("First."));
    expect((await ask("one")).text).toBe("First.");
    expect((await ask("one")).text).toBe("First.");
    expect(server.requests).toHaveLength(1);
    server.enqueue(step.text("Second."));
    expect((await ask("two")).text).toBe("Second.");
    expect((await loadCassette(path)).calls.map((call) => call.position)).toEqual([1, 2]);
    expect((await ask("two")).text).toBe("Second.");
    expect(server.requests).toHaveLength(2);
  });

  it("never records a secret: the environment's credentials and the given ones are redacted, and replay still matches", async () => {
    const path = cassettePath();
    const token = "tok-live-51c0ffee77";
    const prompt = `Use token ${token} and key ${apiKey}.`;
    server.enqueue(step.text(`Got ${token}.`));
    const options = { path, env: { HOUSE_API_KEY: apiKey, HOME: "/home/someone" }, secrets: [token] };
    await generateText({ model: wrapped({ ...options, mode: "record" }), prompt, maxRetries: 0 });
    const text = readFileSync(path, "utf8");
    expect(text).not.toContain(token);
    expect(text).not.toContain(apiKey);
    expect(text).toContain("[redacted]");
    expect(text).toContain("Use token [redacted] and key [redacted].");
    const replayed = await generateText({ model: wrapped({ ...options, mode: "replay" }), prompt, maxRetries: 0 });
    expect(replayed.text).toBe("Got [redacted].");
    expect(server.requests).toHaveLength(1);
  });

  it("replays a cassette a run recorded, named by the alias the run used", async () => {
    const path = cassettePath();
    const inner: ModelClient = {
      assertAlias: () => {},
      call: async (_request, options) => {
        options.onDelta?.({ kind: "text", text: "Hi from a run." });
        return {
          content: [{ type: "text", text: "Hi from a run." }],
          stopReason: "end_turn",
          usage: { input: 3, output: 4, cacheRead: 0, cacheWrite: 0 },
          target: "house:house-model-1",
        };
      },
    };
    const writer = new CassetteWriter(path, { chartId: "greeter", sessionId: "s1", createdAt: 0 });
    await recordingModel(inner, writer, systemClock).call(
      {
        model: "fast",
        system: "Be brief.",
        messages: [{ role: "user", content: [{ type: "text", text: "Hi." }] }],
        tools: [],
        params: {},
        stream: true,
        origin: { invokeId: "c", stateId: "greet", turn: 1 },
      },
      { signal: new AbortController().signal },
    );
    const replayed = await generateText({ model: wrapped({ path, mode: "replay", model: "fast" }), system: "Be brief.", prompt: "Hi.", maxRetries: 0 });
    expect(replayed.text).toBe("Hi from a run.");
    expect(replayed.usage.outputTokens).toBe(4);
    expect(server.requests).toHaveLength(0);
  });
});

describe("recordReplay on a bad cassette", () => {
  const recordOne = async (): Promise<string> => {
    const path = cassettePath();
    server.enqueue(step.text("Hello."));
    await generateText({ model: wrapped({ path, mode: "record" }), prompt: "Say hello.", maxRetries: 0 });
    server.requests.length = 0;
    return path;
  };

  it("torn (a crash mid-line): the readable calls replay, a warning names the skipped line, auto appends on a line of its own", async () => {
    const path = await recordOne();
    appendFileSync(path, '{"kind":"call","position":2,"origin":{"invok');
    const warnings: string[] = [];
    const replayed = await generateText({
      model: wrapped({ path, mode: "replay", onWarning: (message) => warnings.push(message) }),
      prompt: "Say hello.",
      maxRetries: 0,
    });
    expect(replayed.text).toBe("Hello.");
    expect(warnings).toEqual([`${path}: 1 unreadable line skipped (a torn write?)`]);

    server.enqueue(step.text("Again."));
    await generateText({ model: wrapped({ path, mode: "auto" }), prompt: "Once more.", maxRetries: 0 });
    const cassette = await loadCassette(path);
    expect(cassette.calls.map((call) => call.response?.content)).toEqual([[{ type: "text", text: "Hello." }], [{ type: "text", text: "Again." }]]);
    expect(cassette.skipped).toBe(1);
  });

  it("torn at its header, or of a newer format: one clear error, the model is not called", async () => {
    const torn = cassettePath();
    writeFileSync(torn, '{"kind":"cass');
    await expect(generateText({ model: wrapped({ path: torn, mode: "replay" }), prompt: "Say hello.", maxRetries: 0 })).rejects.toThrow(`${torn} is empty`);

    const path = await recordOne();
    const [header, ...rest] = readFileSync(path, "utf8").split("\n");
    writeFileSync(path, [JSON.stringify({ ...JSON.parse(header!), version: 99 }), ...rest].join("\n"));
    for (const mode of ["replay", "auto"] as const) {
      await expect(generateText({ model: wrapped({ path, mode }), prompt: "Say hello.", maxRetries: 0 })).rejects.toThrow(
        `${path}: cassette version 99 is not supported (this build reads 1 and 2)`,
      );
    }
    expect(server.requests).toHaveLength(0);
  });

  it("for another model: one clear error naming both, the model is not called", async () => {
    const path = await recordOne();
    for (const mode of ["replay", "auto"] as const) {
      await expect(generateText({ model: wrapped({ path, mode }, "house-model-2"), prompt: "Say hello.", maxRetries: 0 })).rejects.toThrow(
        `${path} was recorded for model "house-model-1", not "house-model-2"`,
      );
    }
    expect(server.requests).toHaveLength(0);
  });

  it("missing in replay mode: one clear error", async () => {
    const path = join(work, "absent.jsonl");
    await expect(generateText({ model: wrapped({ path, mode: "replay" }), prompt: "Say hello.", maxRetries: 0 })).rejects.toThrow(`no cassette at ${path}`);
  });
});
