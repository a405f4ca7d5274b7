/**
 * The MCP bridge: tools of MCP servers (stdio, streamable HTTP) as real tools named `<server>__<tool>`.
 * This index loads the MCP SDK; hosts that may have no servers import run-tools.js and report.js,
 * which load it only when there is a server to connect.
 */
export {
  connectMcpServers,
  defaultMaxOutputChars,
  defaultStartupTimeoutMs,
  defaultToolTimeoutMs,
  inheritedEnvVars,
  type ConnectMcpOptions,
} from "./connect.js";
export type { McpConnection, McpFailure, McpFailureCategory, McpServerStatus, McpTransportKind } from "./connection.js";
export { registerMcpTools, mcpFailureLines, mcpStartRows, describeMcpServers, displayUrl, type StartRow } from "./report.js";
export { mcpToolName, mcpToolPrefix, mcpNameSeparator } from "./tool-names.js";
export { fromMcpResult, capOutput, type McpCallResult, type McpContentBlock } from "./tool-result.js";
export { expandEnvRefs, MissingEnvVarError } from "./env-refs.js";
export { GroupStdioTransport, type StdioServerProcess, type ProcessExit, type GroupStdioTransportOptions } from "./stdio-transport.js";
export { connectRunTools, type McpRunTools } from "./run-tools.js";
