/** MCP tools over stdio, against the real echo server fixture started as a child process. */
import { mkdtemp, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { connectMcpServers, type McpConnection } from "../../../src/tools/mcp/index.js";
import { toToolSpec } from "../../../src/tools/tool-spec.js";
import type { Tool } from "../../../src/tools/tool.js";
import { baseEnv, context, isAlive, stdioServer, track, waitFor } from "./helpers.js";

const connect = async (servers: Parameters<typeof connectMcpServers>[0], options: Parameters<typeof connectMcpServers>[1] = {}) =>
  track(await connectMcpServers(servers, { env: baseEnv, graceMs: 500, ...options }));

const tool = (connection: McpConnection, name: string): Tool => {
  const found = connection.tools.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no tool ${name}; have ${connection.tools.map((t) => t.name).join(", ")}`);
  return found;
};

const pidOf = (connection: McpConnection, server = "echo-server"): number => {
  const pid = connection.status.find((status) => status.name === server)?.pid;
  if (pid === undefined) throw new Error(`no pid for ${server}`);
  return pid;
};

describe("MCP over stdio: listing", () => {
  it("registers every server tool as <server>__<tool>, with the server's description", async () => {
    const connection = await connect({ "echo-server": stdioServer() });
    expect(connection.tools.map((t) => t.name)).toEqual([
      "echo-server__echo",
      "echo-server__add",
      "echo-server__fail",
      "echo-server__mixed",
      "echo-server__slow",
      "echo-server__hang",
      "echo-server__crash",
      "echo-server__spawn_child",
      "echo-server__env",
      "echo-server__pid",
      "echo-server__cwd",
      "echo-server__header",
      "echo-server__dotted_name",
    ]);
    expect(tool(connection, "echo-server__echo").description).toBe("Echoes the text back.");
    expect(connection.status).toEqual([
      {
        name: "echo-server",
        transport: "stdio",
        state: "connected",
        tools: connection.tools.map((t) => t.name),
        serverInfo: { name: "echo-server", version: "1.2.3" },
        pid: expect.any(Number),
      },
    ]);
  });

  it("passes the server's input JSON Schema through to the ToolSpec the model sees", async () => {
    const connection = await connect({ "echo-server": stdioServer() });
    const spec = toToolSpec(tool(connection, "echo-server__echo"));
    expect(spec.name).toBe("echo-server__echo");
    expect(spec.description).toBe("Echoes the text back.");
    expect(spec.inputSchema).toMatchObject({
      type: "object",
      properties: { text: { type: "string", description: "what to echo" } },
      required: ["text"],
    });
    expect(spec.inputSchema).not.toHaveProperty("$schema");
    expect(toToolSpec(tool(connection, "echo-server__add")).inputSchema).toMatchObject({
      properties: { a: { type: "number" }, b: { type: "number" } },
      required: ["a", "b"],
    });
    // A tool without arguments still gets an object schema.
    expect(toToolSpec(tool(connection, "echo-server__mixed")).inputSchema).toMatchObject({ type: "object" });
  });
});

describe("MCP over stdio: calling", () => {
  it("returns the text content; isError from the MCP result", async () => {
    const connection = await connect({ "echo-server": stdioServer() });
    expect(await tool(connection, "echo-server__echo").execute({ text: "hello there" }, context())).toEqual({
      output: "hello there",
      meta: { server: "echo-server", tool: "echo" },
    });
    expect((await tool(connection, "echo-server__add").execute({ a: 2, b: 40 }, context())).output).toBe("42");
    expect(await tool(connection, "echo-server__fail").execute({ message: "no such file" }, context())).toEqual({
      output: "no such file",
      isError: true,
      meta: { server: "echo-server", tool: "fail" },
    });
  });

  it("input the server rejects comes back as an error result naming the problem", async () => {
    const connection = await connect({ "echo-server": stdioServer() });
    const result = await tool(connection, "echo-server__add").execute({ a: "two" }, context());
    expect(result.isError).toBe(true);
    expect(result.output).toMatch(/expected number/);
  });

  it("summarizes non-text content", async () => {
    const connection = await connect({ "echo-server": stdioServer() });
    const result = await tool(connection, "echo-server__mixed").execute({}, context());
    expect(result.output).toBe(
      [
        "a picture:",
        "[image: image/png, 70 bytes]",
        "[resource link: file:///tmp/report.txt (report), text/plain]",
        "[resource memo://note]",
        "the note",
        "[resource: memo://blob, application/octet-stream, 4 bytes]",
      ].join("\n"),
    );
    expect(result.meta).toMatchObject({ nonText: ["image", "resource_link", "resource", "resource"] });
  });

  it("calls a tool whose MCP name is outside the provider charset under its mapped name", async () => {
    const connection = await connect({ "echo-server": stdioServer() });
    expect(await tool(connection, "echo-server__dotted_name").execute({}, context())).toMatchObject({
      output: "dotted",
      meta: { tool: "dotted.name" },
    });
  });

  it("gives the server a minimal environment plus its env, with ${VAR} filled from the environment given", async () => {
    const connection = await connect(
      { "echo-server": stdioServer({ env: { GREETING: "${MY_GREETING}", PLAIN: "literal" } }) },
      { env: { ...baseEnv, MY_GREETING: "bonjour", PARENT_SECRET: "not for servers" } },
    );
    const env = tool(connection, "echo-server__env");
    expect((await env.execute({ name: "GREETING" }, context())).output).toBe("bonjour");
    expect((await env.execute({ name: "PLAIN" }, context())).output).toBe("literal");
    expect((await env.execute({ name: "PARENT_SECRET" }, context())).output).toBe("(unset)");
    expect((await env.execute({ name: "PATH" }, context())).output).toBe(baseEnv.PATH);
  });

  it("runs the server in cwd, relative to the base directory (the config file's directory)", async () => {
    const base = await realpath(await mkdtemp(join(tmpdir(), "escapement-mcp-cwd-")));
    try {
      const connection = await connect({ here: stdioServer(), there: stdioServer({ cwd: "." }), sub: stdioServer({ cwd: "/tmp" }) }, { baseDir: base });
      expect((await tool(connection, "here__cwd").execute({}, context())).output).toBe(base);
      expect((await tool(connection, "there__cwd").execute({}, context())).output).toBe(base);
      expect((await tool(connection, "sub__cwd").execute({}, context())).output).toBe(await realpath("/tmp"));
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  it("an aborted call returns at once as aborted", async () => {
    const connection = await connect({ "echo-server": stdioServer() });
    const controller = new AbortController();
    const started = Date.now();
    const pending = tool(connection, "echo-server__slow").execute({ ms: 10_000 }, context(controller.signal));
    setTimeout(() => controller.abort(), 50);
    const result = await pending;
    expect(Date.now() - started).toBeLessThan(3000);
    expect(result).toMatchObject({ isError: true, meta: { server: "echo-server", tool: "slow", aborted: true } });
    // The server is still usable.
    expect((await tool(connection, "echo-server__echo").execute({ text: "still here" }, context())).output).toBe("still here");
  });

  it("a call over toolTimeoutMs fails with category mcp-timeout", async () => {
    const connection = await connect({ "echo-server": stdioServer({ toolTimeoutMs: 200 }) });
    const result = await tool(connection, "echo-server__slow").execute({ ms: 5000 }, context());
    expect(result).toMatchObject({ isError: true, meta: { category: "mcp-timeout", server: "echo-server" } });
    expect(result.output).toBe('echo-server__slow: MCP server "echo-server" did not answer within 200 ms');
  });
});

describe("MCP over stdio: a server that fails to start is not a crash", () => {
  it("a bad command: its tools are absent, the status says why, the other servers work", async () => {
    const connection = await connect({ broken: { command: "escapement-no-such-command" }, "echo-server": stdioServer() });
    expect(connection.tools.some((t) => t.name.startsWith("broken__"))).toBe(false);
    expect(connection.status[0]).toEqual({
      name: "broken",
      transport: "stdio",
      state: "failed",
      tools: [],
      error: { category: "spawn", message: 'cannot start "escapement-no-such-command": spawn escapement-no-such-command ENOENT' },
    });
    expect((await tool(connection, "echo-server__echo").execute({ text: "ok" }, context())).output).toBe("ok");
  });

  it("a server that exits before answering: category exited, with its exit code and the end of its stderr", async () => {
    const connection = await connect({ flaky: stdioServer({ env: { ECHO_SERVER_FAIL_START: "2" } }) });
    expect(connection.tools).toEqual([]);
    expect(connection.status[0]!.error).toEqual({
      category: "exited",
      message: "its process exited with code 2 (stderr: echo-server: starting | echo-server: cannot open the database) before it answered",
    });
  });

  it("values from the environment never show in a failure message, even when the server prints them", async () => {
    const connection = await connect(
      { flaky: stdioServer({ env: { ECHO_SERVER_FAIL_START: "2", ECHO_SERVER_TOKEN: "${TOKEN}" } }) },
      { env: { ...baseEnv, TOKEN: "tok-SECRET-1234" } },
    );
    const message = connection.status[0]!.error!.message;
    expect(message).toContain("rejected token [redacted]");
    expect(message).not.toContain("tok-SECRET-1234");
  });

  it("a server that never answers: category timeout after startupTimeoutMs, and its process is stopped", async () => {
    const started = Date.now();
    const connection = await connect({ mute: stdioServer({ env: { ECHO_SERVER_HANG: "1" }, startupTimeoutMs: 300 }) });
    expect(Date.now() - started).toBeLessThan(5000);
    const status = connection.status[0]!;
    expect(status).toMatchObject({ state: "failed", error: { category: "timeout", message: "no answer within 300 ms" } });
    await waitFor(async () => !(await isAlive(status.pid!)), 5000, "the mute server to be stopped");
  });

  it("an unset ${VAR}: category config, naming the setting and the variable (the server is not started)", async () => {
    const connection = await connect({ needy: stdioServer({ env: { API_KEY: "${NEEDY_KEY}" } }) });
    expect(connection.status[0]).toEqual({
      name: "needy",
      transport: "stdio",
      state: "failed",
      tools: [],
      error: { category: "config", message: "mcpServers.needy.env.API_KEY uses ${NEEDY_KEY}, which is not set" },
    });
  });

  it("servers connect in parallel: a slow failure does not delay the others past its own timeout", async () => {
    const started = Date.now();
    const connection = await connect({
      a: stdioServer({ env: { ECHO_SERVER_HANG: "1" }, startupTimeoutMs: 1000 }),
      b: stdioServer({ env: { ECHO_SERVER_HANG: "1" }, startupTimeoutMs: 1000 }),
      c: stdioServer(),
    });
    expect(Date.now() - started).toBeLessThan(1900);
    expect(connection.status.map((s) => s.state)).toEqual(["failed", "failed", "connected"]);
  });

  it("a cancelled run: servers not yet connected fail with category aborted", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const connection = await connect({ mute: stdioServer({ env: { ECHO_SERVER_HANG: "1" } }) }, { signal: controller.signal });
    expect(connection.status[0]!.error?.category).toBe("aborted");
  });
});

describe("MCP over stdio: a server that dies mid-run", () => {
  it("the call it died in fails; the next call starts it again (a new process) and is answered", async () => {
    const connection = await connect({ "echo-server": stdioServer() });
    const firstPid = pidOf(connection);
    expect(await tool(connection, "echo-server__crash").execute({}, context())).toEqual({
      output: 'MCP server "echo-server" is unavailable: its process exited with code 3',
      isError: true,
      meta: { server: "echo-server", tool: "crash", category: "mcp-unavailable" },
    });
    expect(connection.status[0]).toMatchObject({ state: "disconnected", error: { category: "exited" } });
    // Two calls at once share one restart.
    const [one, two] = await Promise.all([
      tool(connection, "echo-server__echo").execute({ text: "anyone?" }, context()),
      tool(connection, "echo-server__add").execute({ a: 2, b: 3 }, context()),
    ]);
    expect([one.output, two.output]).toEqual(["anyone?", "5"]);
    expect(connection.status[0]).toMatchObject({ state: "connected", restarts: 1 });
    expect(connection.status[0]!.error).toBeUndefined();
    expect(pidOf(connection)).not.toBe(firstPid);
    expect(await isAlive(firstPid)).toBe(false);
  });

  it("after its last restart (restarts: 1 here) it stays away: its tools return mcp-unavailable, then and afterwards", async () => {
    const connection = await connect({ "echo-server": stdioServer({ restarts: 1 }) });
    await tool(connection, "echo-server__crash").execute({}, context());
    expect((await tool(connection, "echo-server__echo").execute({ text: "1" }, context())).output).toBe("1");
    await tool(connection, "echo-server__crash").execute({}, context());
    for (let call = 0; call < 2; call++) {
      const after = await tool(connection, "echo-server__echo").execute({ text: "anyone?" }, context());
      expect(after).toEqual({
        output: 'MCP server "echo-server" is unavailable: its process exited with code 3',
        isError: true,
        meta: { server: "echo-server", tool: "echo", category: "mcp-unavailable" },
      });
    }
    expect(connection.status[0]).toMatchObject({ state: "disconnected", restarts: 1, error: { category: "exited" } });
  });

  it("with restarts: 0 it is never started again", async () => {
    const connection = await connect({ "echo-server": stdioServer({ restarts: 0 }) });
    await tool(connection, "echo-server__crash").execute({}, context());
    const after = await tool(connection, "echo-server__echo").execute({ text: "anyone?" }, context());
    expect(after).toMatchObject({ isError: true, meta: { category: "mcp-unavailable", server: "echo-server", tool: "echo" } });
    expect(connection.status[0]).toMatchObject({ state: "disconnected", error: { category: "exited" } });
    expect(connection.status[0]!.restarts).toBeUndefined();
  });

  it("a restart that fails says why it went away and why it did not start again", async () => {
    const dir = await mkdtemp(join(tmpdir(), "escapement-mcp-restart-"));
    try {
      const failFlag = join(dir, "fail");
      const connection = await connect({ "echo-server": stdioServer({ env: { ECHO_SERVER_FAIL_START_IF: failFlag } }) });
      await (await import("node:fs/promises")).writeFile(failFlag, "");
      await tool(connection, "echo-server__crash").execute({}, context());
      const after = await tool(connection, "echo-server__echo").execute({ text: "anyone?" }, context());
      expect(after.output).toBe(
        'MCP server "echo-server" is unavailable: it went away (its process exited with code 3) and did not start again: ' +
          "its process exited with code 4 (stderr: echo-server: starting | echo-server: cannot open the database) before it answered",
      );
      expect(connection.status[0]).toMatchObject({ state: "disconnected", restarts: 1, error: { category: "exited" } });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a server killed from outside is noticed too, and started again at the next call", async () => {
    const connection = await connect({ "echo-server": stdioServer({ restarts: 1 }) });
    process.kill(pidOf(connection), "SIGKILL");
    await waitFor(() => connection.status[0]!.state === "disconnected", 5000, "the server loss to be noticed");
    expect(connection.status[0]!.error?.message).toBe("its process was killed by SIGKILL");
    expect((await tool(connection, "echo-server__echo").execute({ text: "x" }, context())).output).toBe("x");
  });
});

describe("MCP over stdio: shutdown", () => {
  it("close() stops every server and what it started (the whole process group); no orphans", async () => {
    const connection = await connect({ one: stdioServer(), two: stdioServer() });
    const servers = [pidOf(connection, "one"), pidOf(connection, "two")];
    const grandchild = Number((await tool(connection, "one__spawn_child").execute({}, context())).output);
    expect(grandchild).toBeGreaterThan(0);
    for (const pid of [...servers, grandchild]) expect(await isAlive(pid)).toBe(true);
    await connection.close();
    for (const pid of [...servers, grandchild]) await waitFor(async () => !(await isAlive(pid)), 5000, `pid ${pid} to be gone`);
    expect(connection.status.map((s) => s.state)).toEqual(["closed", "closed"]);
    // Idempotent, and the tools say why they cannot run.
    await connection.close();
    expect(await tool(connection, "one__echo").execute({ text: "x" }, context())).toMatchObject({
      isError: true,
      output: 'MCP server "one" is unavailable: it was closed',
      meta: { category: "mcp-unavailable" },
    });
  });

  it("a server that died mid-run leaves no child behind either", async () => {
    const connection = await connect({ "echo-server": stdioServer() });
    const grandchild = Number((await tool(connection, "echo-server__spawn_child").execute({}, context())).output);
    await tool(connection, "echo-server__crash").execute({}, context());
    await waitFor(async () => !(await isAlive(grandchild)), 5000, "the crashed server's child to be stopped");
  });
});
