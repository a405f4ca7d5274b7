/**
 * The MCP servers of a `run()`'s config, started as `escapement run` starts them (the same
 * `connectRunTools`), from data only: `${VAR}` references and the variables a stdio server inherits
 * come from the run's `toolEnv`, never from the host's environment.
 */
import { mkdirSync } from "node:fs";
import type { McpServerConfig } from "../config/schema.js";
import type { Logger } from "../runtime/logger.js";
import { connectRunTools, type McpRunTools } from "../tools/mcp/run-tools.js";
import type { ToolRegistry } from "../tools/tool-registry.js";

export interface RunMcpOptions {
  log: Logger;
  /** The run's `toolEnv`. */
  env: Readonly<Record<string, string>>;
  /** The run's work directory when the options name one: a server's relative `cwd` is relative to it, and it is its default `cwd`. */
  workDir?: string;
  signal?: AbortSignal;
}

/** Connects `servers`; the registry is `tools` (copied) plus their tools. Never throws for a server that fails. */
export async function runMcpTools(servers: Readonly<Record<string, McpServerConfig>>, tools: ToolRegistry, options: RunMcpOptions): Promise<McpRunTools> {
  if (Object.keys(servers).length === 0) return connectRunTools(servers, []);
  // The runner makes a given work directory anyway; a server started in it needs it now.
  if (options.workDir !== undefined) mkdirSync(options.workDir, { recursive: true });
  return connectRunTools(servers, [], {
    base: tools,
    log: options.log,
    env: { ...options.env },
    ...(options.workDir === undefined ? {} : { baseDir: options.workDir }),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
