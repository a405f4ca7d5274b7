/**
 * Model middleware against a local server speaking the Anthropic wire: a call's own middleware on
 * top of the client's, what was sent after middleware (`onSent`, the `sentRef` io blob of
 * `llm/response`), and the `middleware` param of a conversation.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { LanguageModelMiddleware } from "ai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { run, validateOptions, type ProjectConfigInput } from "../../core/src/index.js";
import { createTargetClient } from "../../core/src/llm/providers/index.js";
import { createModelRouter } from "../../core/src/llm/router/index.js";
import type { SentRequest } from "../../core/src/llm/providers/middleware.js";
import { readAllRows, readBlob } from "../../core/src/runtime/index.js";
import { startFakeProviderServer, step, type FakeProviderServer } from "../support/fake-provider-server.js";
import { note, twoTalks } from "./fixtures/two-talks.js";
import { request, textOf } from "./helpers.js";

let server: FakeProviderServer;
beforeAll(async () => {
  server = await startFakeProviderServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  expect(server.pending()).toBe(0);
});
const work = mkdtempSync(join(tmpdir(), "escapement-middleware-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let sessions = 0;
const sessionDir = (): string => join(work, `s${++sessions}`);

const key = "sk-house-test-3f9a2c7e51";
const provider = () => ({ name: "house", kind: "anthropic" as const, baseURL: `${server.url}/v1`, apiKey: key });
const target = { provider: "house", model: "house-model-1" };

/** The system text of an Anthropic Messages request body. */
const systemOf = (body: { system?: string | Array<{ text: string }> }): string =>
  typeof body.system === "string" ? body.system : (body.system ?? []).map((block) => block.text).join("\n");

describe("a call's own middleware (CallOptions.middleware) and what was sent (onSent)", () => {
  it("goes on top of the client's: it sees the request first; onSent gets the request after both, without headers", async () => {
    server.enqueue(step.text("noted"));
    const seen: string[] = [];
    const sent: SentRequest[] = [];
    const client = createTargetClient(target, provider(), { middleware: [note("HOUSE NOTE", seen)] });
    const withHeader: LanguageModelMiddleware = {
      specificationVersion: "v3",
      transformParams: async ({ params }) => ({ ...params, temperature: 0.3, headers: { ...params.headers, "x-house-key": key } }),
    };
    const response = await client.call(request(), {
      signal: new AbortController().signal,
      middleware: [{ name: "conv", middleware: note("CONV NOTE", seen) }, withHeader],
      onSent: (params) => sent.push(params),
    });
    expect(textOf(response)).toBe("noted");
    expect(seen).toEqual(["CONV NOTE", "HOUSE NOTE"]);
    const body = server.requests[0]!.body;
    expect(systemOf(body)).toContain("CONV NOTE");
    expect(systemOf(body)).toContain("HOUSE NOTE");
    expect(body.temperature).toBe(0.3);
    expect(server.requests[0]!.headers["x-house-key"]).toBe(key);

    expect(sent).toHaveLength(1);
    const [params] = sent;
    expect(params).toMatchObject({ temperature: 0.3 });
    const prompt = params!.prompt as Array<{ role: string; content: unknown }>;
    expect(prompt.filter((message) => message.role === "system").map((message) => message.content)).toEqual(["HOUSE NOTE", "CONV NOTE", "You are terse."]);
    expect(params).not.toHaveProperty("headers");
    expect(params).not.toHaveProperty("abortSignal");
    expect(JSON.stringify(params)).not.toContain(key);
    // JSON data: it survives a round trip unchanged.
    expect(JSON.parse(JSON.stringify(params))).toEqual(params);
  });

  it("without middleware nothing is reported; an entry limited to other aliases does not apply", async () => {
    server.enqueue(step.text("plain"), step.text("plain again"));
    const sent: SentRequest[] = [];
    const client = createTargetClient(target, provider());
    await client.call(request(), { signal: new AbortController().signal, onSent: (params) => sent.push(params) });
    await client.call(request(), {
      signal: new AbortController().signal,
      middleware: [{ aliases: ["smart"], middleware: note("SMART ONLY") }],
      onSent: (params) => sent.push(params),
    });
    expect(sent).toEqual([]);
    expect(server.requests.map((seen) => systemOf(seen.body))).toEqual(["You are terse.", "You are terse."]);
  });

  it("the router passes both on to every try: a failover reports what each target was sent", async () => {
    server.enqueue(step.error(529), step.text("from the second"));
    const sent: SentRequest[] = [];
    const router = createModelRouter({
      aliases: { default: [target, { provider: "house", model: "house-model-2" }] },
      connect: (chosen) => createTargetClient(chosen, provider()),
      resilience: { retry: { maxAttempts: 1 } },
    });
    const response = await router.call(request(), {
      signal: new AbortController().signal,
      middleware: [note("CONV NOTE")],
      onSent: (params) => sent.push(params),
    });
    expect(textOf(response)).toBe("from the second");
    expect(server.requests.map((seen) => seen.body.model)).toEqual(["house-model-1", "house-model-2"]);
    for (const seen of server.requests) expect(systemOf(seen.body)).toContain("CONV NOTE");
    expect(sent).toHaveLength(2);
  });
});

const config: ProjectConfigInput = {
  aliases: { default: [target] },
  credentials: [{ name: "house", kind: "anthropic", baseURL: "http://127.0.0.1:1/v1" }],
};
const liveConfig = (): ProjectConfigInput => ({ ...config, credentials: [{ name: "house", kind: "anthropic", baseURL: `${server.url}/v1` }] });

const finishCall = (id: string) => step.tool(id, "finish", {});

describe("run(): the recorded request is the one after middleware", () => {
  it("a conversation's middleware goes on its calls only, before the run's; llm/response names what was sent, scrubbed", async () => {
    server.enqueue(finishCall("toolu_1"), finishCall("toolu_2"));
    const seen: string[] = [];
    // Nonsense a middleware could do: put the key in the prompt. The io blob must not keep it.
    const leaky: LanguageModelMiddleware = {
      specificationVersion: "v3",
      transformParams: async ({ params }) => ({ ...params, prompt: [{ role: "system", content: `key ${key}` }, ...params.prompt] }),
    };
    const result = await run({
      chart: twoTalks((tag) => [note(tag, seen)]),
      config: liveConfig(),
      credentials: { house: key },
      middleware: [note("HOUSE NOTE", seen), leaky],
      sessionDir: sessionDir(),
    });
    expect(result.status).toBe("done");
    expect(seen).toEqual(["CONV NOTE", "HOUSE NOTE", "HOUSE NOTE"]);
    expect(systemOf(server.requests[0]!.body)).toContain("CONV NOTE");
    expect(systemOf(server.requests[1]!.body)).not.toContain("CONV NOTE");
    expect(systemOf(server.requests[1]!.body)).toContain("HOUSE NOTE");

    const rows = await readAllRows(result.transcriptPath);
    const responses = rows.filter((row) => row.event === "llm/response").map((row) => row.data as { sentRef?: string; ref: string });
    const requests = rows.filter((row) => row.event === "llm/request").map((row) => row.data as { ref: string });
    expect(responses).toHaveLength(2);
    const sentOf = (at: number) => JSON.parse(readBlob(result.sessionDir, responses[at]!.sentRef!)!) as { prompt: Array<{ role: string; content: unknown }> };
    const systems = (at: number) =>
      sentOf(at)
        .prompt.filter((message) => message.role === "system")
        .map((message) => message.content);
    expect(systems(0)).toEqual(["key [redacted]", "HOUSE NOTE", "CONV NOTE"]);
    expect(systems(1)).toEqual(["key [redacted]", "HOUSE NOTE"]);
    // The request as the conversation built it stays what llm/request and the cassette hold.
    for (const { ref } of requests) expect(readBlob(result.sessionDir, ref)).not.toMatch(/HOUSE NOTE|CONV NOTE/);
    const cassette = readFileSync(join(result.sessionDir, "cassette.jsonl"), "utf8");
    expect(cassette).not.toMatch(/HOUSE NOTE|CONV NOTE/);
    for (const file of ["io.jsonl", "transcript.jsonl", "cassette.jsonl"]) expect(readFileSync(join(result.sessionDir, file), "utf8")).not.toContain(key);
  });

  it("a call no middleware wraps records no sentRef", async () => {
    server.enqueue(finishCall("toolu_1"), finishCall("toolu_2"));
    const result = await run({ chart: twoTalks(() => []), config: liveConfig(), credentials: { house: key }, sessionDir: sessionDir() });
    expect(result.status).toBe("done");
    const rows = await readAllRows(result.transcriptPath);
    const responses = rows.filter((row) => row.event === "llm/response");
    expect(responses).toHaveLength(2);
    for (const row of responses) expect(row.data).not.toHaveProperty("sentRef");
  });
});

describe("a conversation's middleware that fails", () => {
  const failure = async (middleware: unknown) => {
    const result = await run({
      chart: twoTalks(() => middleware),
      config: liveConfig(),
      credentials: { house: key },
      sessionDir: sessionDir(),
      wedge: { intervalMs: 10, cycles: 5 },
    });
    const rows = await readAllRows(result.transcriptPath);
    return rows.find((row) => row.event === "llm/error")?.data as { category: string; message: string } | undefined;
  };

  it("a throw is a model failure naming it as the run's middleware would be named; nothing is sent", async () => {
    const broken: LanguageModelMiddleware = {
      specificationVersion: "v3",
      transformParams: async () => {
        throw new Error("no redaction rules loaded");
      },
    };
    expect(await failure([broken])).toMatchObject({
      category: "invalid-request",
      message: expect.stringContaining('middleware "first.middleware[0]" failed in transformParams: no redaction rules loaded'),
    });
    expect(await failure([{ name: "redact", middleware: broken }])).toMatchObject({
      message: expect.stringContaining('middleware "redact" failed in transformParams: no redaction rules loaded'),
    });
    expect(server.requests).toHaveLength(0);
  });

  it("something that is no middleware fails the call naming the param's item", async () => {
    const error = await failure([note("fine"), { transform: () => {} }]);
    expect(error).toMatchObject({ category: "invalid-request", message: expect.stringContaining("first.middleware[1]: a middleware needs transformParams") });
    expect(error!.message).not.toMatch(/\n\s+at /);
    expect(server.requests).toHaveLength(0);
  });
});

describe("run() and config.middleware", () => {
  it("is rejected: run() loads no modules", () => {
    expect(validateOptions({ chart: twoTalks(() => []), config: { ...config, middleware: ["./audit.mjs"] }, credentials: { house: key } })).toMatchObject({
      ok: false,
      issues: [{ path: "config.middleware", message: expect.stringContaining("run() loads no modules") }],
    });
  });
});

describe("a resumed run", () => {
  const repo = resolve(import.meta.dirname, "../..");
  /** A host whose run calls the model once (the server stalls it) and is killed there. */
  const host = (dir: string, url: string): string => `
import { run } from ${JSON.stringify(join(repo, "core/src/index.ts"))};
import { note, twoTalks } from ${JSON.stringify(join(repo, "tests/providers/fixtures/two-talks.ts"))};
await run({
  chart: twoTalks((tag) => [note(tag)]),
  config: { aliases: { default: [{ provider: "house", model: "house-model-1" }] }, credentials: [{ name: "house", kind: "anthropic", baseURL: ${JSON.stringify(`${url}/v1`)} }] },
  credentials: { house: ${JSON.stringify(key)} },
  sessionDir: ${JSON.stringify(dir)},
});
`;

  it("resolves a conversation's middleware param again: the call made again after the restore goes through it", { timeout: 120_000 }, async () => {
    const dir = sessionDir();
    const file = join(work, "host.mts");
    writeFileSync(file, host(dir, server.url));
    server.enqueue({ ...step.text("never"), headersDelayMs: 60_000 });
    const child = spawn(process.execPath, [join(repo, "node_modules/tsx/dist/cli.mjs"), file], { cwd: work, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const exited = new Promise((done) => child.on("exit", done));
    try {
      await server.waitForRequests(1, 90_000);
    } finally {
      child.kill("SIGKILL");
      await exited;
    }
    expect(systemOf(server.requests[0]!.body), stderr).toContain("CONV NOTE");

    server.enqueue(finishCall("toolu_1"), finishCall("toolu_2"));
    const seen: string[] = [];
    const result = await run({ chart: twoTalks((tag) => [note(tag, seen)]), config: liveConfig(), credentials: { house: key }, resume: dir });
    expect(result.status).toBe("done");
    expect(seen).toEqual(["CONV NOTE"]);
    expect(systemOf(server.requests[1]!.body)).toContain("CONV NOTE");
    expect(systemOf(server.requests[2]!.body)).not.toContain("CONV NOTE");
  });
});
