/** MCP tools over streamable HTTP, against the echo server fixture serving HTTP from its own process. */
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { connectMcpServers, mcpStartRows, type McpConnection } from "../../../src/tools/mcp/index.js";
import { toToolSpec } from "../../../src/tools/tool-spec.js";
import type { Tool } from "../../../src/tools/tool.js";
import { baseEnv, context, startHttpServer, track } from "./helpers.js";

const connect = async (servers: Parameters<typeof connectMcpServers>[0], options: Parameters<typeof connectMcpServers>[1] = {}) =>
  track(await connectMcpServers(servers, { env: baseEnv, ...options }));

const tool = (connection: McpConnection, name: string): Tool => {
  const found = connection.tools.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no tool ${name}; have ${connection.tools.map((t) => t.name).join(", ")}`);
  return found;
};

/** A loopback port nothing listens on. */
const closedPort = (): Promise<number> =>
  new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

describe("MCP over streamable HTTP", () => {
  it("lists the tools with the server's schemas and calls them", async () => {
    const server = await startHttpServer();
    const connection = await connect({ web: { url: server.url } });
    expect(connection.status[0]).toMatchObject({ name: "web", transport: "http", state: "connected", serverInfo: { name: "echo-server", version: "1.2.3" } });
    expect(connection.status[0]).not.toHaveProperty("pid");
    expect(connection.tools.map((t) => t.name)).toContain("web__echo");
    expect(toToolSpec(tool(connection, "web__add")).inputSchema).toMatchObject({ type: "object", required: ["a", "b"] });
    expect(await tool(connection, "web__echo").execute({ text: "over http" }, context())).toEqual({
      output: "over http",
      meta: { server: "web", tool: "echo" },
    });
    expect((await tool(connection, "web__add").execute({ a: 1, b: 2 }, context())).output).toBe("3");
    expect(await tool(connection, "web__fail").execute({ message: "nope" }, context())).toMatchObject({ isError: true, output: "nope" });
  });

  it("a server that speaks only the legacy HTTP+SSE transport is reached over it at the same URL, headers included", async () => {
    const server = await startHttpServer("sse");
    const connection = await connect({ old: { url: server.url, headers: { "X-Trace": "${TRACE_ID}" } } }, { env: { ...baseEnv, TRACE_ID: "t-42" } });
    expect(connection.status[0]).toMatchObject({ name: "old", transport: "http", state: "connected", legacySse: true, serverInfo: { name: "echo-server" } });
    expect(await tool(connection, "old__echo").execute({ text: "over sse" }, context())).toEqual({ output: "over sse", meta: { server: "old", tool: "echo" } });
    expect((await tool(connection, "old__header").execute({ name: "X-Trace" }, context())).output).toBe("t-42");
    expect(mcpStartRows(connection.status)).toEqual([
      {
        event: "mcp/server-connected",
        data: { server: "old", transport: "http", tools: connection.status[0]!.tools, serverInfo: { name: "echo-server", version: "1.2.3" }, legacySse: true },
      },
    ]);
  });

  it("sends the configured headers, with ${VAR} filled from the environment", async () => {
    const server = await startHttpServer();
    const connection = await connect(
      { web: { url: server.url, headers: { Authorization: "Bearer ${WEB_TOKEN}", "X-Client": "escapement-test" } } },
      { env: { ...baseEnv, WEB_TOKEN: "tok-123" } },
    );
    const header = tool(connection, "web__header");
    expect((await header.execute({ name: "Authorization" }, context())).output).toBe("Bearer tok-123");
    expect((await header.execute({ name: "X-Client" }, context())).output).toBe("escapement-test");
  });

  it("an unreachable server fails to start with category connect, naming where it looked", async () => {
    const port = await closedPort();
    const connection = await connect({ gone: { url: `http://127.0.0.1:${port}/mcp?token=secret` } });
    expect(connection.tools).toEqual([]);
    expect(connection.status[0]).toMatchObject({ state: "failed", error: { category: "connect" } });
    const message = connection.status[0]!.error!.message;
    expect(message).toContain(`ECONNREFUSED`);
    expect(message).toContain(`at http://127.0.0.1:${port}/mcp?…`);
    expect(message).not.toContain("secret");
  });

  it("a URL that is not an MCP endpoint fails to start with category connect", async () => {
    const server = await startHttpServer();
    const connection = await connect({ wrong: { url: server.url.replace(/\/mcp$/, "/nothing-here") } });
    expect(connection.status[0]).toMatchObject({ state: "failed", error: { category: "connect" } });
    expect(connection.status[0]!.error!.message).toMatch(
      /^streamable HTTP was refused \(HTTP 404\), and the legacy HTTP\+SSE transport failed too: .*404.* at http:\/\/127\.0\.0\.1:\d+\/nothing-here$/,
    );
  });

  it("a server that dies mid-run: the call and later calls return mcp-unavailable naming the server; nothing throws", async () => {
    const server = await startHttpServer();
    const connection = await connect({ web: { url: server.url } });
    const crashed = await tool(connection, "web__crash").execute({}, context());
    expect(crashed).toMatchObject({ isError: true, meta: { server: "web", tool: "crash", category: "mcp-unavailable" } });
    expect(crashed.output).toMatch(/^MCP server "web" is unavailable: /);
    await server.exited;
    const after = await tool(connection, "web__echo").execute({ text: "x" }, context());
    expect(after).toMatchObject({ isError: true, meta: { category: "mcp-unavailable" } });
    expect(after.output).toContain('MCP server "web" is unavailable');
    expect(after.output).toContain("ECONNREFUSED");
  });

  it("close() ends the connection; the tools then say the server was closed", async () => {
    const server = await startHttpServer();
    const connection = await connect({ web: { url: server.url } });
    await connection.close();
    expect(connection.status[0]!.state).toBe("closed");
    expect((await tool(connection, "web__echo").execute({ text: "x" }, context())).output).toBe('MCP server "web" is unavailable: it was closed');
  });
});
