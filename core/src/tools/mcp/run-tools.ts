/** The MCP part of a run's tools, as `escapement run` (or any host) assembles them. */
import type { McpServerConfig } from "../../config/schema.js";
import { createDefaultRegistry } from "../builtin-tools.js";
import { ToolRegistry } from "../tool-registry.js";
import type { Tool } from "../tool.js";
import type { ConnectMcpOptions } from "./connect.js";
import type { McpConnection } from "./connection.js";
import { mcpFailureLines, mcpStartRows, registerMcpTools, type StartRow } from "./report.js";

export interface McpRunTools {
  /** Built-ins, then the chart's tools, then the MCP tools; undefined without MCP servers (the runner's default registry then). */
  registry: ToolRegistry | undefined;
  /** For the runner's `startRows`: one `mcp/server-connected` or `mcp/server-failed` row per server. */
  startRows: StartRow[];
  /** One line per server that failed to start (already logged as warnings through `options.log`). */
  warnings: string[];
  connection: McpConnection | undefined;
  /** Closes every server; call it when the run has ended. */
  close(): Promise<void>;
}

/**
 * Connects `servers` and builds the run's registry around their tools. Never throws for a server
 * that fails. `options.base`: the tools to start from instead of the built-ins and `chartTools`
 * (copied, never changed).
 */
export async function connectRunTools(
  servers: Readonly<Record<string, McpServerConfig>>,
  chartTools: readonly Tool[],
  options: ConnectMcpOptions & { base?: ToolRegistry } = {},
): Promise<McpRunTools> {
  if (Object.keys(servers).length === 0) {
    return { registry: undefined, startRows: [], warnings: [], connection: undefined, close: async () => {} };
  }
  // The MCP SDK takes ~200 ms to load: only runs with servers pay for it.
  const { connectMcpServers } = await import("./connect.js");
  const { base, ...connectOptions } = options;
  const connection = await connectMcpServers(servers, connectOptions);
  const registry = base ? new ToolRegistry(base.list()) : createDefaultRegistry();
  if (!base) for (const tool of chartTools) registry.register(tool);
  registerMcpTools(registry, connection, options.log);
  const status = connection.status;
  return { registry, startRows: mcpStartRows(status), warnings: mcpFailureLines(status), connection, close: () => connection.close() };
}
