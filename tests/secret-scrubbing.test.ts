/**
 * A provider that echoes the API key it was sent — in a 401 body, in the text of a 200 reply (split
 * across streamed fragments, and in a tool call's input), in response headers — against a real
 * `escapement run` (with a wire client attached) and a real `run()`. The key, and its base64,
 * must be nowhere: not in any file of the session directory, not on the CLI's stdout or stderr,
 * not in a wire frame, not in `escapement export` or `escapement show`, not in run()'s events,
 * log lines or outcome.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { PROTOCOL_NAME, PROTOCOL_VERSION, type OutboundFrame, type PublicEvent } from "@escapement/wire-schema";
import { createLogger, run } from "../core/src/index.js";
import hello from "../examples/hello/chart.js";
import { startFakeProviderServer, step, type FakeProviderServer, type RawStep } from "./support/fake-provider-server.js";

const repo = resolve(import.meta.dirname, "..");
const cli = join(repo, "core/bin/escapement.mjs");
const helloChart = join(repo, "examples/hello");
const work = mkdtempSync(join(tmpdir(), "escapement-secrets-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const key = "sk-echo-test-5e2b9c41d7a3f";
const b64 = Buffer.from(key).toString("base64");
/** The key's forms a leak would show. */
const forms = [key, b64, b64.replace(/=+$/, ""), Buffer.from(key).toString("base64url")];
const leaksIn = (text: string): string[] => forms.filter((form) => text.includes(form));

let server: FakeProviderServer;
beforeEach(async () => (server = await startFakeProviderServer()));
afterEach(() => server.close());

const allFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? allFiles(join(dir, name)) : [join(dir, name)]));

/** Every file of the session directory, by path, that holds the key in some form. */
const leakyFiles = (session: string): Record<string, string[]> =>
  Object.fromEntries(
    allFiles(session).flatMap((file) => (leaksIn(readFileSync(file, "utf8")).length > 0 ? [[file, leaksIn(readFileSync(file, "utf8"))]] : [])),
  );

const pieces = (text: string, size: number): string[] => text.match(new RegExp(`[\\s\\S]{1,${size}}`, "g")) ?? [];

const said = `Hello! The key you sent me is ${key}, in base64 ${b64}.`;

/** A 200 on the OpenAI wire that echoes the key: in streamed text cut mid-key, in a tool call's input, in response headers. */
function echoingReply(): RawStep {
  const id = "chatcmpl-echo";
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: 1_700_000_000, model: "test-model", choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
  const args = JSON.stringify({ greeting: `Hello, ${key}!` });
  return {
    kind: "raw",
    status: 200,
    headers: { "content-type": "text/event-stream", "x-echo-key": key, "x-echo-basic": `Basic ${b64}` },
    chunks: [
      chunk({ role: "assistant", content: "" }),
      ...pieces(said, 5).map((piece) => chunk({ content: piece })),
      chunk({ tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "greeting_done", arguments: "" } }] }),
      ...pieces(args, 7).map((piece) => chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] })),
      chunk({}, "tool_calls"),
      `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: 1_700_000_000, model: "test-model", choices: [], usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } })}\n\n`,
      "data: [DONE]\n\n",
    ],
  };
}

/** A 401 that repeats the key in its body and headers. */
const echoing401 = () =>
  step.error(401, { message: `Incorrect API key provided: ${key}. Check ${b64}.`, code: "invalid_api_key", headers: { "x-echo-key": key } });

function project(): string {
  const dir = mkdtempSync(join(work, "project-"));
  const credentials = [{ name: "local", kind: "openai-compatible", baseURL: `${server.url}/v1`, apiKeyEnv: "LOCAL_KEY" }];
  writeFileSync(join(dir, ".escapement.json"), JSON.stringify({ aliases: { default: [{ provider: "local", model: "test-model" }] }, credentials }, null, 2));
  return dir;
}

interface Cli {
  code: number | null;
  stdout: string;
  stderr: string;
}

function escapement(args: string[], cwd: string, env: Record<string, string> = {}): { exited: Promise<Cli> } {
  const child = spawn(process.execPath, [cli, ...args], { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<Cli>((done, fail) => {
    const deadline = setTimeout(() => (child.kill("SIGKILL"), fail(new Error(`timed out: ${args.join(" ")}\n${stderr}`))), 45_000);
    child.on("exit", (code) => (clearTimeout(deadline), done({ code, stdout, stderr })));
  });
  return { exited };
}

async function until<T>(probe: () => T | undefined | false, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((wake) => setTimeout(wake, 20));
  }
}

/**
 * `escapement run --no-tui --listen --debug` on examples/hello, with a wire client attached from
 * the start: the run waits at its first model call until the client says continue, so the client
 * sees every frame. Resolves with the CLI's output and every frame the client received, as sent.
 */
async function runWithWireClient(dir: string, session: string): Promise<Cli & { frames: string[] }> {
  const cliRun = escapement(["run", helloChart, "--no-tui", "--listen", "127.0.0.1:0", "--debug", "--session-dir", session], dir, { LOCAL_KEY: key });
  const wireJson = join(session, "wire.json");
  const info = await until(() => existsSync(wireJson) && (JSON.parse(readFileSync(wireJson, "utf8")) as { url: string; token: string }), "wire.json");
  const ws = new WebSocket(info.url);
  const frames: string[] = [];
  const closed = new Promise<void>((done) => ws.once("close", () => done()));
  ws.on("message", (raw) => {
    const text = raw.toString();
    frames.push(text);
    const frame = JSON.parse(text) as OutboundFrame;
    if (frame.kind === "debug" && frame.paused) ws.send(JSON.stringify({ v: 1, kind: "control", action: "continue" }));
  });
  await new Promise((done, fail) => ws.once("open", done).once("error", fail));
  ws.send(JSON.stringify({ v: 1, kind: "attach", token: info.token, protocol: { name: PROTOCOL_NAME, version: PROTOCOL_VERSION } }));
  const result = await cliRun.exited;
  await closed;
  return { ...result, frames };
}

/** What `escapement export` and `escapement show` (with and without --content) print for the session. */
async function readers(dir: string, session: string): Promise<string> {
  const out = join(dir, `${Date.now()}.escapement-session.jsonl`);
  const exported = await escapement(["export", session, "-o", out], dir).exited;
  expect(exported.code).toBe(0);
  const shown = await escapement(["show", session], dir).exited;
  const content = await escapement(["show", session, "--content"], dir).exited;
  expect(shown.code).toBe(0);
  expect(content.code).toBe(0);
  expect(content.stdout).toContain("[redacted]");
  return [readFileSync(out, "utf8"), exported.stdout, exported.stderr, shown.stdout, shown.stderr, content.stdout, content.stderr].join("\n");
}

describe("escapement run against a provider that echoes the key", () => {
  it("a 200 echoing the key in streamed text, a tool call's input and headers: nothing holds it", async () => {
    const dir = project();
    server.enqueue(echoingReply());
    const session = join(dir, "echo-200");
    const result = await runWithWireClient(dir, session);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout.trim().split("\n").at(-1)!)).toMatchObject({ status: "done", finalConfig: ["done"] });
    // The key went out, and came back.
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${key}`);

    expect(leakyFiles(session)).toEqual({});
    expect(leaksIn(result.stdout)).toEqual([]);
    expect(leaksIn(result.stderr)).toEqual([]);
    expect(result.frames.some((frame) => frame.includes('"run-finished"'))).toBe(true);
    expect(leaksIn(result.frames.join("\n"))).toEqual([]);
    expect(leaksIn(await readers(dir, session))).toEqual([]);

    // What the model said reached the chart scrubbed, and the rest of it is intact.
    const rows = readFileSync(join(session, "transcript.jsonl"), "utf8");
    expect(rows).toContain("Hello, [redacted]!");
    const frames = result.frames.join("\n");
    expect(frames).toContain("[redacted]");
    expect(readFileSync(join(session, "cassette.jsonl"), "utf8")).toContain("The key you sent me is [redacted], in base64 [redacted].");
  });

  it("a 401 echoing the key in its body and headers: nothing holds it", async () => {
    const dir = project();
    server.enqueue(echoing401());
    const session = join(dir, "echo-401");
    const result = await runWithWireClient(dir, session);
    // examples/hello does not handle a failed conversation: the run ends wedged.
    expect(result.code).toBe(1);
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${key}`);

    expect(leakyFiles(session)).toEqual({});
    expect(leaksIn(result.stdout)).toEqual([]);
    expect(leaksIn(result.stderr)).toEqual([]);
    expect(leaksIn(result.frames.join("\n"))).toEqual([]);
    expect(leaksIn(await readers(dir, session))).toEqual([]);

    expect(result.stderr).toContain("auth: HTTP 401: Incorrect API key provided: [redacted]. Check [redacted].");
    const error = readFileSync(join(session, "transcript.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { event: string; data: { message?: string } })
      .find((row) => row.event === "llm/error");
    expect(error?.data.message).toBe("HTTP 401: Incorrect API key provided: [redacted]. Check [redacted].");
  });
});

describe("run() against a provider that echoes the key", () => {
  const config = () => ({
    aliases: { default: [{ provider: "local", model: "claude-test" }] },
    credentials: [{ name: "local", kind: "anthropic" as const, baseURL: `${server.url}/v1` }],
  });

  const hosted = async (session: string, input?: { name: string }) => {
    const events: PublicEvent[] = [];
    const lines: string[] = [];
    const outcome = await run({
      chart: hello,
      config: config(),
      credentials: { local: key },
      sessionDir: session,
      ...(input ? { input } : {}),
      log: createLogger((line) => lines.push(line), "debug"),
      onEvent: (event) => events.push(event),
      wedge: { intervalMs: 50, cycles: 4 },
    });
    return { outcome, text: [JSON.stringify(outcome), JSON.stringify(events), ...lines].join("\n") };
  };

  it("a 200 echoing the key (streamed, and in a tool call's input): nothing holds it", async () => {
    server.enqueue({
      kind: "reply",
      blocks: [
        { type: "text", text: said, chunks: pieces(said, 3) },
        { type: "tool_use", id: "toolu_1", name: "greeting_done", input: { greeting: `Hello, ${key}!` } },
      ],
    });
    const session = join(work, "run-200");
    const { outcome, text } = await hosted(session);
    expect(outcome.status).toBe("done");
    expect(server.requests[0]!.headers["x-api-key"]).toBe(key);
    expect(leakyFiles(session)).toEqual({});
    expect(leaksIn(text)).toEqual([]);
    expect(text).toContain("[redacted]");
  });

  it("a key given as chart input reaches the chart's state, and no checkpoint, manifest or row holds it", async () => {
    server.enqueue({ kind: "reply", blocks: [{ type: "tool_use", id: "toolu_1", name: "greeting_done", input: { greeting: "Hello!" } }] });
    const session = join(work, "run-input");
    const { outcome, text } = await hosted(session, { name: key });
    expect(outcome.status).toBe("done");
    // The chart put the name in its prompt: the provider got it (it is the provider's key to see).
    expect(JSON.stringify(server.requests[0]!.body)).toContain(key);
    expect(leakyFiles(session)).toEqual({});
    expect(leaksIn(text)).toEqual([]);
    expect(readFileSync(join(session, "checkpoints.jsonl"), "utf8")).toContain("[redacted]");
    expect(JSON.parse(readFileSync(join(session, "session.json"), "utf8"))).toMatchObject({ input: { name: "[redacted]" } });
  });

  it("a 401 echoing the key: nothing holds it", async () => {
    server.enqueue(step.error(401, { message: `invalid x-api-key ${key}`, headers: { "x-echo-key": key } }));
    const session = join(work, "run-401");
    const { outcome, text } = await hosted(session);
    expect(outcome.status).toBe("error");
    expect(server.requests[0]!.headers["x-api-key"]).toBe(key);
    expect(leakyFiles(session)).toEqual({});
    expect(leaksIn(text)).toEqual([]);
    expect(text).toContain("invalid x-api-key [redacted]");
  });
});
