/** Secrets out of everything a run writes: the scrubber, the writers that use it, the model chain and the provider layer. */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Secret } from "../../src/config/secret.js";
import { buildModelChain, scrubbingModel } from "../../src/engine/model-chain.js";
import { CassetteWriter } from "../../src/llm/cassette/index.js";
import { LlmError } from "../../src/llm/llm-error.js";
import type { ModelClient, ModelDelta, ModelRequest, ModelResponse } from "../../src/llm/protocol.js";
import { createTargetClient } from "../../src/llm/providers/index.js";
import { scrubLlmError } from "../../src/llm/providers/scrub-error.js";
import { deltaRows } from "../../src/runtime/delta-rows.js";
import { IoStore, readBlob } from "../../src/runtime/io-store.js";
import { createLogger, scrubbingLogger, silentLogger } from "../../src/runtime/logger.js";
import { SecretScrubber, type StreamScrubber } from "../../src/runtime/secret-scrubber.js";
import type { TranscriptRow } from "../../src/runtime/transcript-row.js";
import { TranscriptWriter } from "../../src/runtime/transcript-writer.js";

const key = "sk-test-4f9a2c7e1b8d";
const scrubber = SecretScrubber.of([new Secret(key)]);
const b64 = (text: string) => Buffer.from(text).toString("base64");
const b64url = (text: string) => Buffer.from(text).toString("base64url");
/** Every form the tests look for: the key and its encodings, padded or not. */
const leaks = (text: string, value = key): string[] =>
  [value, b64(value), b64(value).replace(/=+$/, ""), b64url(value), encodeURIComponent(value), JSON.stringify(value).slice(1, -1)].filter((form) =>
    text.includes(form),
  );
const tempDir = () => mkdtempSync(join(tmpdir(), "escapement-scrub-"));
const fixedClock = { now: () => 1000, setTimeout: () => 0, clearTimeout: () => {} };

describe("SecretScrubber", () => {
  it("replaces a secret and its encodings with [redacted]", () => {
    const text = [
      `raw ${key} end`,
      `base64 ${b64(key)}`,
      `base64url ${b64url(key)}`,
      `json ${JSON.stringify(JSON.stringify({ key }))}`,
      `query ?k=${encodeURIComponent(key)}&x=1`,
    ].join("\n");
    const out = scrubber.scrub(text);
    expect(leaks(out)).toEqual([]);
    expect(out).toContain("raw [redacted] end");
    expect(out).toContain("query ?k=[redacted]&x=1");
    expect(out.match(/\[redacted\]/g)).toHaveLength(5);
  });

  it("finds values with characters JSON, URLs and base64url write differently", () => {
    const odd = 'p@ss/"word"\\+?é~';
    const only = SecretScrubber.of([odd]);
    const forms = [
      odd,
      JSON.stringify(odd).slice(1, -1),
      encodeURIComponent(odd),
      encodeURIComponent(odd).replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()),
      b64(odd),
      b64url(odd),
    ];
    for (const form of forms) expect(only.scrub(`<${form}>`), form).toMatch(/^<\[redacted\]=*>$/);
  });

  it("finds a key base64-encoded inside a longer text, at any byte offset (Basic user:key)", () => {
    for (const prefix of ["", "u:", "ab:", "user:"]) {
      for (const suffix of ["", "!", "!?", ":more"]) {
        const encoded = b64(`${prefix}${key}${suffix}`);
        const out = scrubber.scrub(`Authorization: Basic ${encoded}`);
        expect(out, `${prefix}|${suffix}`).toContain("[redacted]");
        // At most two characters next to the redaction still depend on the key's bytes.
        expect(out.replace(/^Authorization: Basic /, "").replace("[redacted]", "").length, `${prefix}|${suffix}`).toBeLessThanOrEqual(
          encoded.length - (4 * key.length) / 3 + 3,
        );
      }
    }
  });

  it("ignores values shorter than 8 characters and does nothing without secrets", () => {
    const short = SecretScrubber.of(["abc", "1234567", undefined, new Secret("")]);
    expect(short.active).toBe(false);
    expect(short).toBe(SecretScrubber.none);
    expect(short.scrub("abc 1234567")).toBe("abc 1234567");
    const value = { a: ["abc"] };
    expect(short.scrubJson(value)).toBe(value);
    expect(SecretScrubber.of(["12345678"]).scrub("x12345678x")).toBe("x[redacted]x");
  });

  it("takes several secrets at once, preferring the longest match", () => {
    const both = SecretScrubber.of(["abcdefgh", "abcdefgh-longer"]);
    expect(both.scrub("abcdefgh-longer / abcdefgh")).toBe("[redacted] / [redacted]");
  });

  it("scrubs JSON values deeply, keys included, copying only what changed", () => {
    const untouched = { list: [1, "two"], nested: { ok: true } };
    const value = { message: `bad key ${key}`, [key]: "as a key", list: [{ deep: [`${b64(key)}`] }], untouched, count: 3 };
    const out = scrubber.scrubJson(value);
    expect(leaks(JSON.stringify(out))).toEqual([]);
    expect(out).toEqual({ message: "bad key [redacted]", "[redacted]": "as a key", list: [{ deep: ["[redacted]"] }], untouched, count: 3 });
    expect(out.untouched).toBe(untouched);
    expect(Object.keys(out)).toEqual(["message", "[redacted]", "list", "untouched", "count"]);
    expect(scrubber.scrubJson(untouched)).toBe(untouched);
    expect(value.message).toContain(key);
  });

  it("scrubs a JSON text and keeps it JSON", () => {
    const text = JSON.stringify({ a: key, b: [`x${key}y`], c: "clean" });
    const out = scrubber.scrubJsonText(text);
    expect(JSON.parse(out)).toEqual({ a: "[redacted]", b: ["x[redacted]y"], c: "clean" });
    const clean = JSON.stringify({ c: "clean" });
    expect(scrubber.scrubJsonText(clean)).toBe(clean);
    expect(scrubber.scrubJsonText(`not json ${key}`)).toBe("not json [redacted]");
  });

  describe("streams", () => {
    const run = (stream: StreamScrubber, pieces: string[]): string[] => [...pieces.map((piece) => stream.push(piece)), stream.end()];

    it("never lets a secret split across fragments through, wherever it is cut", () => {
      const text = `Your key is ${key}, and encoded ${b64(key)}. Bye.`;
      for (let size = 1; size <= 12; size++) {
        const pieces = text.match(new RegExp(`[\\s\\S]{1,${size}}`, "g"))!;
        const out = run(scrubber.stream(), pieces);
        expect(out.join(""), `pieces of ${size}`).toBe(scrubber.scrub(text));
        for (let at = 1; at <= out.length; at++) expect(leaks(out.slice(0, at).join(""))).toEqual([]);
      }
    });

    it("holds back only what may begin a secret", () => {
      const stream = scrubber.stream();
      expect(stream.push("hello ")).toBe("hello ");
      expect(stream.push("sk-te")).toBe("");
      expect(stream.push("a time")).toBe("sk-tea time");
      expect(stream.push(" sk-test-4f9a")).toBe(" ");
      expect(stream.end()).toBe("sk-test-4f9a");
    });

    it("passes fragments through untouched without secrets", () => {
      const stream = SecretScrubber.none.stream();
      expect(stream.push("sk-")).toBe("sk-");
      expect(stream.end()).toBe("");
    });
  });
});

describe("writers with a scrubber", () => {
  it("TranscriptWriter writes and taps scrubbed rows, streamed rows included", () => {
    const path = join(tempDir(), "transcript.jsonl");
    const writer = new TranscriptWriter(path, { clock: fixedClock, streamRows: deltaRows, scrubber });
    const tapped: TranscriptRow[] = [];
    writer.tap((rows) => tapped.push(...rows));
    writer.append("llm/error", { invokeId: "a", category: "auth", message: `HTTP 401: invalid key ${key}` });
    // A key split across fragments that join into one row.
    for (const piece of ["the key: sk-te", "st-4f9a2c", "7e1b8d."]) writer.append("llm/delta", { invokeId: "a", turn: 1, kind: "text", text: piece });
    writer.append("runner/event-processed", { event: "x", eventData: { message: key }, before: [], after: [], entered: [], exited: [] });
    writer.close();
    const text = readFileSync(path, "utf8");
    expect(leaks(text)).toEqual([]);
    expect(leaks(JSON.stringify(tapped))).toEqual([]);
    const rows = text
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as TranscriptRow);
    expect(rows).toEqual(tapped);
    expect(rows.map((row) => row.data)).toEqual([
      { invokeId: "a", category: "auth", message: "HTTP 401: invalid key [redacted]" },
      { invokeId: "a", turn: 1, kind: "text", text: "the key: [redacted]." },
      { event: "x", eventData: { message: "[redacted]" }, before: [], after: [], entered: [], exited: [] },
    ]);
  });

  it("TranscriptWriter leaves clean rows as they are", () => {
    const path = join(tempDir(), "transcript.jsonl");
    const writer = new TranscriptWriter(path, { clock: fixedClock, scrubber });
    const data = { n: 1 };
    const row = writer.append("debug/step", data);
    writer.close();
    expect(row.data).toBe(data);
  });

  it("IoStore stores scrubbed blobs, with refs that match the bytes written", () => {
    const dir = tempDir();
    const store = new IoStore(dir, scrubber);
    const refs = [
      store.put("response", { content: [{ type: "text", text: `here: ${key} é 😀` }] }),
      store.putJson("request", JSON.stringify({ headers: { authorization: `Bearer ${key}` } })),
      store.put("clean", { ok: true }),
    ];
    expect(refs.map((ref) => JSON.parse(readBlob(dir, ref)!))).toEqual([
      { content: [{ type: "text", text: "here: [redacted] é 😀" }] },
      { headers: { authorization: "Bearer [redacted]" } },
      { ok: true },
    ]);
    expect(leaks(readFileSync(join(dir, "io.jsonl"), "utf8"))).toEqual([]);
  });

  it("CassetteWriter writes scrubbed lines", () => {
    const path = join(tempDir(), "cassette.jsonl");
    const writer = new CassetteWriter(path, { chartId: "c", sessionId: "s", createdAt: 0 }, scrubber);
    writer.append(
      {
        kind: "call",
        position: 1,
        origin: { invokeId: "a", stateId: "s", turn: 1 },
        key: "k",
        error: { category: "auth", message: `bad ${key}` },
        stream: [],
        elapsedMs: 1,
      },
      JSON.stringify({ messages: [{ role: "user", content: [{ type: "text", text: key }] }] }),
    );
    const lines = readFileSync(path, "utf8").trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(leaks(lines.join("\n"))).toEqual([]);
    expect(JSON.parse(lines[1]!)).toMatchObject({ error: { message: "bad [redacted]" }, request: { messages: [{ content: [{ text: "[redacted]" }] }] } });
  });

  it("scrubbingLogger scrubs messages and fields before the sink", () => {
    const lines: string[] = [];
    const log = scrubbingLogger(
      createLogger((line) => lines.push(line), "debug"),
      scrubber,
    );
    log.warn(`failed with ${key}`, { body: { echo: b64(key) } });
    log.info("clean");
    expect(leaks(lines.join("\n"))).toEqual([]);
    expect(lines[0]).toContain('failed with [redacted] {"body":{"echo":"[redacted]"}}');
    const inner = createLogger(() => {});
    expect(scrubbingLogger(inner, SecretScrubber.none)).toBe(inner);
    expect(scrubbingLogger(silentLogger, scrubber)).toBe(silentLogger);
  });
});

const request: ModelRequest = {
  model: "default",
  messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }],
  tools: [],
  params: {},
  stream: true,
  origin: { invokeId: "a", stateId: "s", turn: 1 },
};

/** A model that streams `pieces`, reports an event, then answers with their text and a tool call (or fails). */
const echoingModel = (pieces: string[], failure?: LlmError): ModelClient => ({
  assertAlias: () => {},
  async call(_request, options) {
    for (const text of pieces) options.onDelta?.({ kind: "text", text });
    options.onEvent?.("llm/retry", { target: "t", attempt: 1, category: "auth", message: `retrying after ${key}`, delayMs: 1 } as never);
    if (failure) throw failure;
    return {
      content: [
        { type: "text", text: pieces.join("") },
        { type: "tool-call", id: "c1", name: "report", input: { note: key } },
      ],
      stopReason: "tool_use",
      usage: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0 },
      target: "t",
    };
  },
});

describe("the model chain with a scrubber", () => {
  const pieces = ["I was given ", "sk-te", "st-4f9a2c", "7e1b8d", " as a key"];

  it("scrubs the answer, the streamed fragments and the events; the request goes out as it is", async () => {
    const deltas: ModelDelta[] = [];
    const events: unknown[] = [];
    const seen: ModelRequest[] = [];
    const inner = echoingModel(pieces);
    const model = scrubbingModel({ ...inner, call: (req, options) => (seen.push(req), inner.call(req, options)) }, scrubber);
    const asked = { ...request, messages: [{ role: "user" as const, content: [{ type: "text" as const, text: `use ${key}` }] }] };
    const response: ModelResponse = await model.call(asked, {
      signal: new AbortController().signal,
      onDelta: (delta) => deltas.push(delta),
      onEvent: (_event, data) => events.push(data),
    });
    expect(seen[0]).toBe(asked);
    expect(leaks(JSON.stringify([response, deltas, events]))).toEqual([]);
    expect(deltas.map((delta) => delta.text).join("")).toBe("I was given [redacted] as a key");
    expect(response.content).toEqual([
      { type: "text", text: "I was given [redacted] as a key" },
      { type: "tool-call", id: "c1", name: "report", input: { note: "[redacted]" } },
    ]);
    expect(events).toEqual([expect.objectContaining({ message: "retrying after [redacted]" })]);
  });

  it("scrubs a failure, dropping a cause that holds the secret", async () => {
    const cause = Object.assign(new Error("Unauthorized"), { responseBody: `{"error":"bad key ${key}"}`, responseHeaders: { "x-echo": key } });
    const failure = new LlmError("auth", `HTTP 401: bad key ${key}`, {
      status: 401,
      cause,
      attempts: [{ target: "t", attempt: 1, outcome: "error", category: "auth", message: key, elapsedMs: 3 }],
    });
    const model = scrubbingModel(echoingModel(pieces, failure), scrubber);
    const error = (await model.call(request, { signal: new AbortController().signal }).catch((caught: unknown) => caught)) as LlmError;
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ category: "auth", status: 401, message: "HTTP 401: bad key [redacted]", cause: undefined });
    expect(error.attempts).toEqual([expect.objectContaining({ message: "[redacted]" })]);
    expect(leaks(`${error.stack} ${JSON.stringify(error)}`)).toEqual([]);
    const clean = new LlmError("auth", "HTTP 401: bad key", { cause: new Error("Unauthorized") });
    expect(scrubLlmError(clean, scrubber)).toBe(clean);
  });

  it("records a scrubbed cassette", async () => {
    const dir = tempDir();
    const chain = buildModelChain(echoingModel(pieces), {
      cassettePath: join(dir, "cassette.jsonl"),
      chartId: "c",
      sessionId: "s",
      clock: fixedClock,
      recordedCalls: 0,
      loopThreshold: false,
      scrubber,
    });
    await chain.model.call(request, { signal: new AbortController().signal, onDelta: () => {} });
    chain.close();
    const text = readFileSync(join(dir, "cassette.jsonl"), "utf8");
    expect(leaks(text)).toEqual([]);
    expect(text).toContain("[redacted]");
  });
});

describe("the provider layer", () => {
  it("a 401 whose body and headers echo the key fails without the key", async () => {
    const fetch = async () =>
      new Response(JSON.stringify({ error: { message: `Incorrect API key provided: ${key}`, type: "invalid_request_error", code: "invalid_api_key" } }), {
        status: 401,
        headers: { "content-type": "application/json", "x-echo": key },
      });
    const client = createTargetClient(
      { provider: "local", model: "m" },
      { name: "local", kind: "openai-compatible", baseURL: "http://127.0.0.1:9/v1", apiKey: new Secret(key) },
      { fetch },
    );
    const error = (await client.call({ ...request, stream: false }, { signal: new AbortController().signal }).catch((caught: unknown) => caught)) as LlmError;
    expect(error).toBeInstanceOf(LlmError);
    expect(error.category).toBe("auth");
    expect(error.message).toBe("HTTP 401: Incorrect API key provided: [redacted]");
    expect(error.cause).toBeUndefined();
  });
});
