/** `escapement run` and `escapement info` in a project whose .escapement.json declares MCP servers (the real CLI, a real server). */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import type { CliIo } from "../../../src/cli/cli-io.js";
import { main } from "../../../src/cli/main.js";
import { ofEvent, resultOf, rowsOf, runCli } from "../../examples/harness.js";
import { fixture, isAlive, waitFor } from "./helpers.js";

const chart = join(import.meta.dirname, "fixtures", "mcp-chart");
const projects: string[] = [];

afterEach(() => {
  for (const dir of projects.splice(0)) rmSync(dir, { recursive: true, force: true });
  delete process.env["MCP_TEST_SECRET"];
});

/** Every file under `dir`, as text. */
const allText = (dir: string): string =>
  readdirSync(dir)
    .map((name) => join(dir, name))
    .map((path) => (statSync(path).isDirectory() ? allText(path) : readFileSync(path, "utf8")))
    .join("\n");

const project = (mcpServers: Record<string, unknown>): string => {
  const dir = mkdtempSync(join(tmpdir(), "escapement-mcp-cli-"));
  projects.push(dir);
  writeFileSync(join(dir, ".escapement.json"), `${JSON.stringify({ mcpServers }, null, 2)}\n`);
  return dir;
};

const echoServer = { command: process.execPath, args: [fixture], env: { SERVER_SECRET: "${MCP_TEST_SECRET}" } };

describe("escapement run with mcpServers", () => {
  it("connects the project's servers, offers their tools to the chart, and leaves no server process behind", async () => {
    const dir = project({ "echo-server": echoServer, broken: { command: "escapement-no-such-command" } });
    // The CLI child inherits this environment: the server's env refers to it.
    process.env["MCP_TEST_SECRET"] = "mcp-SECRET-0123456789";
    const run = await runCli(["run", chart, "--no-tui", "--session-dir", join(dir, "session")], { cwd: dir, deadlineMs: 30_000 });
    expect(run.code, run.stderr).toBe(0);
    // A server that fails to start is reported, not fatal.
    expect(run.stderr).toContain('mcp: server "broken" failed to start (spawn): cannot start "escapement-no-such-command"');
    const result = resultOf(run);
    expect(result.status).toBe("done");
    const rows = rowsOf(result.sessionDir);
    expect(rows.slice(1, 3).map((row) => [row.event, row.data.server])).toEqual([
      ["mcp/server-connected", "echo-server"],
      ["mcp/server-failed", "broken"],
    ]);
    const results = ofEvent(rows, "llm/tool-result");
    expect(results.map((row) => [row.data.name, row.data.isError])).toEqual([
      ["echo-server__echo", false],
      ["echo-server__pid", false],
    ]);
    expect(results[0]!.data.snippet).toBe("hello from the CLI");
    const pid = Number(results[1]!.data.snippet);
    expect(pid).toBeGreaterThan(0);
    expect(allText(result.sessionDir)).not.toContain("mcp-SECRET-0123456789");
    // The CLI closed the server when the run ended.
    await waitFor(async () => !(await isAlive(pid)), 5000, `MCP server pid ${pid} to be gone`);
  }, 40_000);

  it("a chart whitelisting a tool of a server that failed to start ends with unknown-tool naming the server", async () => {
    const dir = project({ "echo-server": { command: "escapement-no-such-command" } });
    const run = await runCli(["run", chart, "--no-tui", "--session-dir", join(dir, "session")], { cwd: dir, deadlineMs: 30_000 });
    expect(run.code, run.stderr).toBe(1);
    const result = resultOf(run);
    expect(result.error?.category).toBe("unknown-tool");
    expect(result.error?.message).toContain('unknown tools "echo-server__echo" (MCP server "echo-server" failed to start (spawn)');
  }, 40_000);
});

describe("escapement info with mcpServers", () => {
  it("lists the servers with env variable and header names, never their values", async () => {
    const dir = project({
      "echo-server": { ...echoServer, env: { SERVER_SECRET: "literal-SECRET-value" } },
      docs: { url: "http://127.0.0.1:8931/mcp", headers: { Authorization: "Bearer HEADER-SECRET" } },
    });
    let out = "";
    const stdout = new PassThrough().on("data", (chunk: Buffer) => (out += chunk.toString()));
    const io: CliIo = { cwd: dir, env: {}, stdin: new PassThrough(), stdout, stderr: new PassThrough(), stdoutIsTty: false };
    expect(await main(["info"], io)).toBe(0);
    expect(out).toContain("mcp servers (tools as <server>__<tool>; connected when a run starts):\n");
    expect(out).toContain(`  echo-server  stdio  ${process.execPath} ${fixture}  env: SERVER_SECRET\n`);
    expect(out).toContain("  docs  http  http://127.0.0.1:8931/mcp  headers: Authorization\n");
    expect(out).not.toContain("SECRET-value");
    expect(out).not.toContain("HEADER-SECRET");
  });
});
