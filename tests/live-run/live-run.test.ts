import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeProviderServer, step, type FakeProviderServer } from "../support/fake-provider-server.js";

const repo = resolve(import.meta.dirname, "../..");
const cli = join(repo, "core/bin/escapement.mjs");
const work = mkdtempSync(join(tmpdir(), "escapement-live-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const secret = "sk-live-test-7c1f9e0b2a";

let server: FakeProviderServer;
beforeEach(async () => (server = await startFakeProviderServer()));
afterEach(() => server.close());

function run(args: string[], cwd: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    const deadline = setTimeout(() => (child.kill("SIGKILL"), fail(new Error(`timed out\n${stderr}`))), 30_000);
    child.on("exit", (code) => (clearTimeout(deadline), done({ code, stdout, stderr })));
  });
}

function project(wire: "openai" | "anthropic"): string {
  const dir = mkdtempSync(join(work, "project-"));
  const credentials =
    wire === "openai"
      ? [{ name: "local", kind: "openai-compatible", baseURL: `${server.url}/v1`, apiKeyEnv: "LOCAL_KEY" }]
      : [{ name: "local", kind: "anthropic", baseURL: `${server.url}/v1`, apiKeyEnv: "LOCAL_KEY" }];
  writeFileSync(join(dir, ".escapement.json"), JSON.stringify({ aliases: { default: [{ provider: "local", model: "test-model" }] }, credentials }, null, 2));
  return dir;
}

const allFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? allFiles(join(dir, name)) : [join(dir, name)]));

describe.each(["openai", "anthropic"] as const)("a live run through the %s wire", (wire) => {
  it("runs a chart against the configured provider, records a cassette, and never writes the key", async () => {
    const dir = project(wire);
    server.enqueue(step.tool("call_abc", "greeting_done", { greeting: "Hello from the wire!" }, { usage: { input: 50, output: 12 } }));
    const session = join(dir, "session");
    const result = await run(["run", join(repo, "examples/hello"), "--no-tui", "--session-dir", session], dir, { LOCAL_KEY: secret });
    expect(result.stderr).toContain("live:");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout.trim().split("\n").at(-1)!)).toMatchObject({ status: "done", finalConfig: ["done"] });
    expect(server.requests).toHaveLength(1);
    const auth = wire === "openai" ? server.requests[0]!.headers.authorization : server.requests[0]!.headers["x-api-key"];
    expect(String(auth)).toContain(secret);
    const rows = readFileSync(join(session, "transcript.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(rows.find((r) => r.event === "llm/response")?.data).toMatchObject({ target: "local:test-model", usage: { input: 50, output: 12 } });
    for (const file of allFiles(session)) expect(readFileSync(file, "utf8"), file).not.toContain(secret);
    // The recorded cassette replays the run with the provider gone.
    await server.close();
    const replayed = await run(["run", join(repo, "examples/hello"), "--no-tui", "--replay", session, "--session-dir", join(dir, "replayed")], dir, {});
    expect(replayed.code).toBe(0);
    // The replay links to the session it replays.
    const started = JSON.parse(readFileSync(join(dir, "replayed", "transcript.jsonl"), "utf8").split("\n")[0]!);
    expect(started.data.forkedFrom).toBe("session");
    expect(JSON.parse(readFileSync(join(dir, "replayed", "session.json"), "utf8")).forkedFrom).toBe("session");
  });
});

describe("a bad project config", () => {
  it("is a usage error naming the key path, before anything runs", async () => {
    const dir = mkdtempSync(join(work, "bad-"));
    writeFileSync(join(dir, ".escapement.json"), JSON.stringify({ aliases: { default: [{ provider: "antropic", model: "x" }] } }));
    const result = await run(["run", join(repo, "examples/hello"), "--no-tui", "--session-dir", join(dir, "s")], dir, {});
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('aliases.default[0].provider: unknown provider "antropic"');
  });
});

describe("escapement refine", () => {
  it("re-issues a captured turn with overrides and prints both responses", async () => {
    const dir = project("openai");
    server.enqueue(step.tool("call_1", "greeting_done", { greeting: "Hi." }));
    const session = join(dir, "session");
    expect((await run(["run", join(repo, "examples/hello"), "--no-tui", "--session-dir", session], dir, { LOCAL_KEY: secret })).code).toBe(0);
    server.enqueue(step.text("A warmer hello, refined."));
    const refined = await run(["refine", session, "--turn", "greeting/1/1", "--system", "Be poetic.", "--temperature", "0.9"], dir, { LOCAL_KEY: secret });
    expect(refined.code).toBe(0);
    expect(refined.stdout).toMatch(/── original: local:test-model, tool_use/);
    expect(refined.stdout).toContain('→ tool greeting_done {"greeting":"Hi."}');
    expect(refined.stdout).toMatch(/── refined: local:test-model, end_turn[\s\S]*A warmer hello, refined\./);
    const sent = server.requests.at(-1)!.body;
    expect(sent.messages[0]).toMatchObject({ role: "system", content: "Be poetic." });
    expect(sent.temperature).toBe(0.9);
  });

  it("names the turns there are when the address is wrong", async () => {
    const dir = project("openai");
    server.enqueue(step.tool("call_1", "greeting_done", { greeting: "Hi." }));
    const session = join(dir, "session");
    expect((await run(["run", join(repo, "examples/hello"), "--no-tui", "--session-dir", session], dir, { LOCAL_KEY: secret })).code).toBe(0);
    const wrong = await run(["refine", session, "--turn", "greeting/1/7"], dir, { LOCAL_KEY: secret });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("no turn greeting/1/7");
    expect(wrong.stderr).toContain("greeting/1/1");
    const malformed = await run(["refine", session, "--turn", "greeting"], dir, { LOCAL_KEY: secret });
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain("<state>/<visit>/<turn>");
  });
});
