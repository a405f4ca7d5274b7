/** What a host does with a connection: register its tools, tell the user and the transcript about its servers. */
import type { McpServerConfig } from "../../config/schema.js";
import type { Logger } from "../../runtime/logger.js";
import type { RowInput } from "../../runtime/row-input.js";
import type { ToolRegistry } from "../tool-registry.js";
import type { McpConnection, McpServerStatus } from "./connection.js";
import { mcpToolPrefix } from "./tool-names.js";

/**
 * Adds the connection's tools to `registry`. A tool whose name is taken (a chart tool of the same
 * name) is skipped with a warning. For each server that failed, the registry learns why its tools
 * are missing, so a chart whitelisting one fails with an unknown-tool error that names the server.
 * Returns the names skipped.
 */
export const registerMcpTools = (registry: ToolRegistry, connection: McpConnection, log?: Logger): string[] => {
  const skipped: string[] = [];
  for (const tool of connection.tools) {
    if (registry.has(tool.name)) {
      skipped.push(tool.name);
      log?.warn(`mcp tool "${tool.name}" skipped: a tool of that name is already registered`);
    } else {
      registry.register(tool);
    }
  }
  for (const server of connection.status) {
    if (server.state === "failed" && server.error) {
      registry.explainMissing(mcpToolPrefix(server.name), `MCP server "${server.name}" failed to start (${server.error.category}): ${server.error.message}`);
    }
  }
  return skipped;
};

/** `mcp: server "x" failed to start (<category>): <message>; its tools are not available` */
export const mcpFailureLine = (server: string, error: { category: string; message: string } | undefined): string =>
  `mcp: server "${server}" failed to start (${error?.category ?? "unknown"}): ${error?.message ?? ""}; its tools are not available`;

/** One line per server that failed to start (connectMcpServers also logs each as a warning). */
export const mcpFailureLines = (status: readonly McpServerStatus[]): string[] =>
  status.filter((server) => server.state === "failed").map((server) => mcpFailureLine(server.name, server.error));

export type StartRow = RowInput<"mcp/server-connected" | "mcp/server-failed">;

/**
 * Transcript rows describing the servers as the run starts: `mcp/server-connected`
 * `{server, transport, tools, serverInfo?, legacySse?}` or `mcp/server-failed` `{server, transport, category, message}`.
 */
export const mcpStartRows = (status: readonly McpServerStatus[]): StartRow[] =>
  status.map((server) =>
    server.state === "failed"
      ? {
          event: "mcp/server-failed",
          data: { server: server.name, transport: server.transport, category: server.error?.category ?? "unknown", message: server.error?.message ?? "" },
        }
      : {
          event: "mcp/server-connected",
          data: {
            server: server.name,
            transport: server.transport,
            tools: server.tools,
            ...(server.serverInfo ? { serverInfo: server.serverInfo } : {}),
            ...(server.legacySse ? { legacySse: true } : {}),
          },
        },
  );

/**
 * `escapement info` lines for the configured servers: the command and its arguments as written
 * (`${VAR}` references unexpanded), the URL without query or credentials, and only the *names* of
 * env variables and headers, never their values.
 */
export const describeMcpServers = (servers: Readonly<Record<string, McpServerConfig>>): string[] => {
  const entries = Object.entries(servers);
  if (entries.length === 0) return ["mcp servers: none"];
  const lines = ["mcp servers (tools as <server>__<tool>; connected when a run starts):"];
  for (const [name, server] of entries) {
    const cells: string[] = [];
    if (server.url !== undefined) {
      cells.push("http", displayUrl(server.url));
      const headers = Object.keys(server.headers ?? {});
      if (headers.length > 0) cells.push(`headers: ${headers.join(", ")}`);
    } else {
      cells.push("stdio", [server.command ?? "", ...(server.args ?? [])].map(shellWord).join(" "));
      const env = Object.keys(server.env ?? {});
      if (env.length > 0) cells.push(`env: ${env.join(", ")}`);
      if (server.cwd !== undefined) cells.push(`cwd: ${server.cwd}`);
      if (server.restarts !== undefined) cells.push(`restarts ${server.restarts}`);
    }
    if (server.startupTimeoutMs !== undefined) cells.push(`startup timeout ${server.startupTimeoutMs} ms`);
    if (server.toolTimeoutMs !== undefined) cells.push(`tool timeout ${server.toolTimeoutMs} ms`);
    lines.push(`  ${name}  ${cells.join("  ")}`);
  }
  return lines;
};

const shellWord = (word: string): string => (/^[A-Za-z0-9_./:@%+=,${}-]+$/.test(word) ? word : JSON.stringify(word));

/** A URL as shown to people: no credentials, no query (either may hold a token). */
export const displayUrl = (url: string): string => {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}${parsed.search ? "?…" : ""}`;
  } catch {
    return "(invalid URL)";
  }
};
