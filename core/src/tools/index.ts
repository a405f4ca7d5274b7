export { defineTool, type Tool, type ToolContext, type ToolResult } from "./tool.js";
export { DuplicateToolError, ToolRegistry, UnknownToolError } from "./tool-registry.js";
export { toToolSpec } from "./tool-spec.js";
export { builtinTools, createBuiltinTools, createDefaultRegistry, type BuiltinToolOptions } from "./builtin-tools.js";
export { resolvePath } from "./resolve-path.js";
export { fsReadTool, FsReadInput } from "./fs-read.js";
export { fsWriteTool, FsWriteInput } from "./fs-write.js";
export { fsEditTool, FsEditInput } from "./fs-edit.js";
export { fsMultiEditTool, FsMultiEditInput } from "./fs-multi-edit.js";
export { createFsGlobTool, fsGlobTool, FsGlobInput, type FsGlobOptions } from "./fs-glob.js";
export { createFsGrepTool, fsGrepTool, FsGrepInput, type FsGrepOptions } from "./fs-grep.js";
export { createShellRunTool, shellRunTool, ShellRunInput, type ShellRunOptions } from "./shell-run.js";
export { createWebFetchTool, webFetchTool, WebFetchInput, type WebFetchOptions } from "./web-fetch.js";
// The MCP bridge, without loading the MCP SDK (connectRunTools loads it when there is a server);
// `connectMcpServers` itself is in ./mcp/index.js.
export { connectRunTools, type McpRunTools } from "./mcp/run-tools.js";
export { registerMcpTools, mcpStartRows, mcpFailureLines, describeMcpServers, type StartRow } from "./mcp/report.js";
export { mcpToolName, mcpToolPrefix } from "./mcp/tool-names.js";
export type { ConnectMcpOptions, McpConnection, McpFailure, McpFailureCategory, McpServerStatus, McpTransportKind } from "./mcp/connect.js";
