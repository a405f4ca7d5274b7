/**
 * What connecting the MCP servers yields: their tools, and each server's status. Its own file,
 * so that what reports on a connection (report.ts) and the bridge that makes one (connect.ts,
 * which loads the MCP SDK and uses report.ts's lines) share the types without importing each other.
 */
import type { Tool } from "../tool.js";

export type McpTransportKind = "stdio" | "http";

/**
 * Why a server is not usable: `config` (a `${VAR}` is not set), `spawn` (the command could not be
 * started), `exited` (the process ended), `timeout` (no answer in time), `connect` (HTTP: not
 * reachable or refused, or the handshake failed), `aborted` (the run was cancelled while connecting).
 */
export type McpFailureCategory = "config" | "spawn" | "exited" | "timeout" | "connect" | "aborted";

export interface McpFailure {
  category: McpFailureCategory;
  message: string;
}

export interface McpServerStatus {
  name: string;
  transport: McpTransportKind;
  /** `disconnected`: was connected, then the server went away (its tools return "mcp-unavailable"). */
  state: "connecting" | "connected" | "failed" | "disconnected" | "closed";
  /** The registered tool names (`<server>__<tool>`). */
  tools: string[];
  /** What the server says it is (`initialize`). */
  serverInfo?: { name: string; version: string };
  /** A stdio server's pid (also its process group id). */
  pid?: number;
  /** Times the server was started again after it went away (stdio), when it was. */
  restarts?: number;
  /** An HTTP server that speaks only the legacy HTTP+SSE transport (found when streamable HTTP was refused). */
  legacySse?: true;
  error?: McpFailure;
}

export interface McpConnection {
  /** Every tool of every connected server, in config order, then server order. */
  readonly tools: Tool[];
  /** Each server's state now (a fresh copy on every read). */
  readonly status: McpServerStatus[];
  /** Closes every connection and stops every stdio server (its whole process group). Idempotent. */
  close(): Promise<void>;
}
