/** The pure parts of the MCP bridge (names, results, env refs, reports) and the config it reads. */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseProjectConfig, type ConfigError } from "../../../src/config/index.js";
import { createDefaultRegistry, defineTool, UnknownToolError } from "../../../src/tools/index.js";
import {
  connectMcpServers,
  describeMcpServers,
  expandEnvRefs,
  fromMcpResult,
  mcpFailureLines,
  mcpStartRows,
  mcpToolName,
  MissingEnvVarError,
  registerMcpTools,
  type McpServerStatus,
} from "../../../src/tools/mcp/index.js";
import { baseEnv, stdioServer, track } from "./helpers.js";

const providerName = /^[A-Za-z0-9_-]{1,64}$/;

describe("tool names: <server>__<tool> in the provider charset", () => {
  it("joins server and tool with __", () => {
    expect(mcpToolName("github", "create_issue")).toBe("github__create_issue");
    expect(mcpToolName("fs", "read-file")).toBe("fs__read-file");
  });

  it("maps characters outside [A-Za-z0-9_-] to _", () => {
    expect(mcpToolName("docs", "search.pages")).toBe("docs__search_pages");
    expect(mcpToolName("docs", "a/b c")).toBe("docs__a_b_c");
  });

  it("cuts a name over 64 characters and adds a hash of the original, so distinct tools stay distinct", () => {
    const a = mcpToolName("a-long-server-name", "x".repeat(80));
    const b = mcpToolName("a-long-server-name", `${"x".repeat(79)}y`);
    expect(a).toHaveLength(64);
    expect(a).toMatch(providerName);
    expect(a.startsWith("a-long-server-name__xxx")).toBe(true);
    expect(a).not.toBe(b);
    expect(mcpToolName("a-long-server-name", "x".repeat(80))).toBe(a);
  });

  it("a name that collides after mapping gets the hash", () => {
    const first = mcpToolName("s", "a.b");
    const second = mcpToolName("s", "a_b", new Set([first]));
    expect(first).toBe("s__a_b");
    expect(second).toMatch(/^s__a_b_[0-9a-f]{8}$/);
  });
});

describe("tool results", () => {
  it("structured content without content blocks comes back as JSON; nothing at all as (no content)", () => {
    expect(fromMcpResult({ structuredContent: { n: 1 } }, {}, 1000).output).toBe('{"n":1}');
    expect(fromMcpResult({ content: [] }, {}, 1000).output).toBe("(no content)");
  });

  it("a long output keeps its head and tail and says how much was left out", () => {
    const text = `${"a".repeat(600)}${"b".repeat(600)}`;
    const result = fromMcpResult({ content: [{ type: "text", text }] }, { server: "s" }, 100);
    expect(result.output).toBe(`${"a".repeat(50)}\n[… 1100 characters omitted of 1200 …]\n${"b".repeat(50)}`);
    expect(result.meta).toEqual({ server: "s", truncated: true, omittedChars: 1100 });
  });

  it("unknown content kinds are named, not dropped", () => {
    expect(fromMcpResult({ content: [{ type: "hologram" }] }, {}, 1000).output).toBe("[hologram content]");
  });
});

describe("${VAR} references", () => {
  it("are filled from the environment given; other text is kept", () => {
    expect(expandEnvRefs("Bearer ${T}", { T: "abc" }, "x")).toBe("Bearer abc");
    expect(expandEnvRefs("$T and ${T}${U}", { T: "1", U: "" }, "x")).toBe("$T and 1");
  });

  it("an unset one throws, naming the setting and the variable", () => {
    expect(() => expandEnvRefs("${NOPE}", {}, "mcpServers.a.env.K")).toThrow(new MissingEnvVarError("NOPE", "mcpServers.a.env.K"));
    expect(() => expandEnvRefs("${NOPE}", {}, "mcpServers.a.env.K")).toThrow("mcpServers.a.env.K uses ${NOPE}, which is not set");
  });
});

describe("registering a connection's tools", () => {
  it("adds the live servers' tools; a whitelisted tool of a server that failed is an unknown tool naming the server", async () => {
    const connection = track(await connectMcpServers({ "echo-server": stdioServer(), broken: { command: "escapement-no-such-command" } }, { env: baseEnv }));
    const registry = createDefaultRegistry();
    expect(registerMcpTools(registry, connection)).toEqual([]);
    expect(registry.pick(["fs_read", "echo-server__echo"]).map((t) => t.name)).toEqual(["fs_read", "echo-server__echo"]);
    let caught: unknown;
    try {
      registry.pick(["echo-server__echo", "broken__search", "teleport"]);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UnknownToolError);
    const error = caught as UnknownToolError;
    expect(error.unknown).toEqual(["broken__search", "teleport"]);
    expect(error.reasons).toEqual({
      broken__search: 'MCP server "broken" failed to start (spawn): cannot start "escapement-no-such-command": spawn escapement-no-such-command ENOENT',
    });
    expect(error.message).toMatch(
      /^unknown tools "broken__search" \(MCP server "broken" failed to start \(spawn\): cannot start .*ENOENT\), "teleport"; available: fs_read, /,
    );
  });

  it("a tool whose name is already registered (a chart tool) is skipped, not a crash", async () => {
    const connection = track(await connectMcpServers({ "echo-server": stdioServer() }, { env: baseEnv }));
    const mine = defineTool({ name: "echo-server__echo", description: "mine", input: z.object({}), execute: async () => ({ output: "mine" }) });
    const registry = createDefaultRegistry().register(mine);
    expect(registerMcpTools(registry, connection)).toEqual(["echo-server__echo"]);
    expect(registry.get("echo-server__echo")).toBe(mine);
    expect(registry.has("echo-server__add")).toBe(true);
  });
});

describe("reports", () => {
  const status: McpServerStatus[] = [
    { name: "ok", transport: "stdio", state: "connected", tools: ["ok__a", "ok__b"], serverInfo: { name: "srv", version: "1" }, pid: 42 },
    { name: "bad", transport: "http", state: "failed", tools: [], error: { category: "connect", message: "fetch failed (ECONNREFUSED)" } },
  ];

  it("transcript rows: one per server, connected or failed (no pid: transcripts stay deterministic)", () => {
    expect(mcpStartRows(status)).toEqual([
      { event: "mcp/server-connected", data: { server: "ok", transport: "stdio", tools: ["ok__a", "ok__b"], serverInfo: { name: "srv", version: "1" } } },
      { event: "mcp/server-failed", data: { server: "bad", transport: "http", category: "connect", message: "fetch failed (ECONNREFUSED)" } },
    ]);
  });

  it("stderr lines for the servers that failed", () => {
    expect(mcpFailureLines(status)).toEqual(['mcp: server "bad" failed to start (connect): fetch failed (ECONNREFUSED); its tools are not available']);
  });

  it("info lines name env variables and headers, never their values", () => {
    const lines = describeMcpServers({
      gh: { command: "npx", args: ["-y", "@modelcontextprotocol/server-github", "--token=${GH}"], env: { GITHUB_TOKEN: "ghp_LITERAL_SECRET" }, cwd: "tools" },
      docs: { url: "https://user:pw@docs.example/mcp?key=QUERY_SECRET", headers: { Authorization: "Bearer HEADER_SECRET" }, toolTimeoutMs: 5000 },
    });
    expect(lines).toEqual([
      "mcp servers (tools as <server>__<tool>; connected when a run starts):",
      "  gh  stdio  npx -y @modelcontextprotocol/server-github --token=${GH}  env: GITHUB_TOKEN  cwd: tools",
      "  docs  http  https://docs.example/mcp?…  headers: Authorization  tool timeout 5000 ms",
    ]);
    expect(lines.join("\n")).not.toMatch(/SECRET|pw@/);
    expect(describeMcpServers({})).toEqual(["mcp servers: none"]);
  });
});

describe(".escapement.json mcpServers: bad input is rejected naming the key path", () => {
  const problems = (mcpServers: unknown): string[] => {
    try {
      parseProjectConfig({ mcpServers }, ".escapement.json");
    } catch (error) {
      return (error as ConfigError).issues.map((issue) => `${issue.path}: ${issue.message}`);
    }
    return [];
  };

  it("accepts a stdio and an HTTP server", () => {
    expect(
      problems({
        fs: { command: "node", args: ["server.js"], env: { TOKEN: "${TOKEN}" }, cwd: "tools", startupTimeoutMs: 1000, toolTimeoutMs: 2000 },
        web: { url: "http://127.0.0.1:9000/mcp", headers: { Authorization: "Bearer ${WEB}" } },
      }),
    ).toEqual([]);
  });

  it("neither command nor url, or both", () => {
    expect(problems({ a: {} })).toEqual(['mcpServers.a: give "command" (a stdio server) or "url" (a streamable HTTP server)']);
    expect(problems({ a: { command: "x", url: "http://h/mcp" } })).toEqual([
      'mcpServers.a: give "command" (a stdio server) or "url" (a streamable HTTP server), not both',
    ]);
  });

  it("keys of the other transport", () => {
    expect(problems({ a: { url: "http://h/mcp", args: ["x"], cwd: ".", restarts: 2 } })).toEqual([
      'mcpServers.a.args: only for a stdio server ("command"), not with "url"',
      'mcpServers.a.cwd: only for a stdio server ("command"), not with "url"',
      'mcpServers.a.restarts: only for a stdio server ("command"), not with "url"',
    ]);
    expect(problems({ a: { command: "x", restarts: -1 } })[0]).toMatch(/^mcpServers\.a\.restarts: /);
    expect(problems({ a: { command: "x", headers: { A: "b" } } })).toEqual(['mcpServers.a.headers: only for an HTTP server ("url"), not with "command"']);
  });

  it("an unknown key, with a suggestion", () => {
    expect(problems({ a: { comand: "x" } })[0]).toMatch(/^mcpServers\.a\.comand: unknown key \(allowed: command, .*\); did you mean "command"\?$/);
  });

  it("server names that cannot prefix a tool name", () => {
    for (const name of ["a__b", "has space", "dot.ted", "trailing_", "x".repeat(33)]) {
      expect(problems({ [name]: { command: "x" } })[0], name).toMatch(/bad key: an MCP server name is letters, digits, _ -/);
    }
    expect(problems({ "echo-server": { command: "x" }, A_1: { command: "x" } })).toEqual([]);
  });

  it("a malformed ${...} reference, a non-http URL, a bad timeout", () => {
    expect(problems({ a: { command: "x", env: { K: "${not closed" } } })).toEqual([
      "mcpServers.a.env.K: a reference to an environment variable is ${NAME} (letters, digits, _)",
    ]);
    expect(problems({ a: { command: "x", args: ["${1X}"] } })[0]).toMatch(/^mcpServers\.a\.args\[0\]: a reference/);
    expect(problems({ a: { url: "ftp://h/mcp" } })).toEqual(["mcpServers.a.url: url must be an http(s) URL"]);
    expect(problems({ a: { command: "x", startupTimeoutMs: 0 } })[0]).toMatch(/^mcpServers\.a\.startupTimeoutMs: /);
  });
});
