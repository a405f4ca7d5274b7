/**
 * The MCP bridge: connects the MCP servers of `.escapement.json` (stdio and streamable HTTP) and
 * offers each server tool as a real tool named `<server>__<tool>`.
 *
 * A server that fails to start is not a crash: its tools are absent and its status says why. A
 * server that dies mid-run makes its tools return an error result with category
 * "mcp-unavailable". `close()` ends every connection and stops every stdio server's process group.
 */
import { isAbsolute, resolve } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport, StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ErrorCode, McpError, type Tool as McpToolDescriptor } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { McpServerConfig } from "../../config/schema.js";
import { silentLogger, type Logger } from "../../runtime/logger.js";
import type { Tool, ToolContext, ToolResult } from "../tool.js";
import type { McpConnection, McpFailure, McpServerStatus, McpTransportKind } from "./connection.js";
import { abortedResult, toolFailure } from "../tool-failure.js";
import { expandEnvRefs, MissingEnvVarError, type Env } from "./env-refs.js";
import { GroupStdioTransport } from "./stdio-transport.js";
import { mcpToolName } from "./tool-names.js";
import { maxToolTimeoutMs } from "../tool-timeout-problem.js";
import { fromMcpResult, type McpCallResult } from "./tool-result.js";
import { displayUrl, mcpFailureLine } from "./report.js";

export const defaultStartupTimeoutMs = 30_000;
export const defaultToolTimeoutMs = 300_000;
export const defaultMaxOutputChars = 100_000;
type McpClientTransport = GroupStdioTransport | StreamableHTTPClientTransport | SSEClientTransport;

/**
 * HTTP statuses with which a server that predates streamable HTTP refuses its POST: then the
 * legacy HTTP+SSE transport is tried at the same URL, as the MCP spec's compatibility notes say.
 */
const legacySseStatuses = new Set([400, 404, 405]);

/** How often a stdio server that exits during a run is started again (config `restarts`). */
export const defaultRestarts = 3;

/** Variables a stdio server inherits from the environment (the SDK's list); everything else comes from its `env`. */
export const inheritedEnvVars = ["HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER"] as const;

export interface ConnectMcpOptions {
  /** Cancels connecting (servers not yet connected fail with category "aborted"). */
  signal?: AbortSignal;
  log?: Logger;
  /** Fills `${VAR}` references and the inherited variables of stdio servers. Default: `process.env`. */
  env?: Env;
  /** What a relative `cwd` is relative to, and the default `cwd` (the config file's directory). Default: `process.cwd()`. */
  baseDir?: string;
  /** Defaults for servers that do not set their own. */
  startupTimeoutMs?: number;
  toolTimeoutMs?: number;
  /** Longest tool output returned to the model (head and tail kept). Default 100,000 characters. */
  maxOutputChars?: number;
  /** Stdio shutdown: how long a server may take to exit after stdin closes, and after SIGTERM. Default 2000 ms. */
  graceMs?: number;
  /** How the client introduces itself to servers. */
  clientInfo?: { name: string; version: string };
}

/** A tool's input is validated by its server, against the schema the model is shown. */
const serverValidatedInput = z.record(z.string(), z.unknown());

/** Connects every server in parallel; resolves once each has connected and listed its tools, or failed. */
export async function connectMcpServers(servers: Readonly<Record<string, McpServerConfig>>, options: ConnectMcpOptions = {}): Promise<McpConnection> {
  const handles = Object.entries(servers).map(([name, config]) => new McpServerHandle(name, config, options));
  const onExit = (): void => {
    for (const handle of handles) handle.killNow();
  };
  // Last resort if the host exits without close(): no server process outlives it.
  if (handles.length > 0) process.on("exit", onExit);
  await Promise.all(handles.map((handle) => handle.connect()));
  let closing: Promise<void> | undefined;
  return {
    tools: handles.flatMap((handle) => handle.tools),
    get status() {
      return handles.map((handle) => handle.status());
    },
    close: () => {
      closing ??= Promise.all(handles.map((handle) => handle.close())).then(() => {
        process.off("exit", onExit);
      });
      return closing;
    },
  };
}

class McpServerHandle {
  readonly name: string;
  readonly kind: McpTransportKind;
  tools: Tool[] = [];
  readonly #config: McpServerConfig;
  readonly #options: ConnectMcpOptions;
  readonly #log: Logger;
  readonly #startupTimeoutMs: number;
  readonly #toolTimeoutMs: number;
  readonly #maxOutputChars: number;
  readonly #maxRestarts: number;
  #restarts = 0;
  /** The restart under way, which every call arriving meanwhile waits for. */
  #restarting: Promise<void> | undefined;
  /** The MCP name of each registered tool, by its registered name. */
  readonly #mcpNames = new Map<string, string>();
  #state: McpServerStatus["state"] = "connecting";
  #error: McpFailure | undefined;
  #client: Client | undefined;
  #transport: McpClientTransport | undefined;
  #serverInfo: { name: string; version: string } | undefined;
  /** Values taken from the environment or from env/headers: never shown in a message. */
  #secrets: string[] = [];

  constructor(name: string, config: McpServerConfig, options: ConnectMcpOptions) {
    this.name = name;
    this.kind = config.url === undefined ? "stdio" : "http";
    this.#config = config;
    this.#options = options;
    this.#log = options.log ?? silentLogger;
    this.#startupTimeoutMs = config.startupTimeoutMs ?? options.startupTimeoutMs ?? defaultStartupTimeoutMs;
    this.#toolTimeoutMs = config.toolTimeoutMs ?? options.toolTimeoutMs ?? defaultToolTimeoutMs;
    this.#maxOutputChars = options.maxOutputChars ?? defaultMaxOutputChars;
    this.#maxRestarts = this.kind === "stdio" ? (config.restarts ?? defaultRestarts) : 0;
  }

  status(): McpServerStatus {
    const pid = this.#transport instanceof GroupStdioTransport ? this.#transport.pid : undefined;
    return {
      name: this.name,
      transport: this.kind,
      state: this.#state,
      tools: this.tools.map((tool) => tool.name),
      ...(this.#serverInfo ? { serverInfo: { ...this.#serverInfo } } : {}),
      ...(pid === undefined ? {} : { pid }),
      ...(this.#restarts > 0 ? { restarts: this.#restarts } : {}),
      ...(this.#transport instanceof SSEClientTransport ? { legacySse: true as const } : {}),
      ...(this.#error ? { error: { ...this.#error } } : {}),
    };
  }

  async connect(): Promise<void> {
    const started = Date.now();
    const opened = await this.#open();
    if (!Array.isArray(opened)) return this.#fail(opened);
    this.tools = this.#toolsOf(opened);
    this.#log.info(`mcp server "${this.name}" connected`, {
      transport: this.kind,
      tools: this.tools.length,
      ms: Date.now() - started,
      ...(this.#serverInfo ? { server: `${this.#serverInfo.name} ${this.#serverInfo.version}` } : {}),
    });
  }

  /**
   * Starts (or, for a restart, starts again) the transport, connects and lists the tools. On
   * success the server is `connected` and the listed tools are returned; otherwise why it failed,
   * with everything it started stopped.
   */
  async #open(legacySse = false): Promise<McpToolDescriptor[] | McpFailure> {
    const outer = this.#options.signal;
    if (outer?.aborted) return { category: "aborted", message: "the run was cancelled before it connected" };
    let transport: McpClientTransport;
    try {
      transport = this.#createTransport(legacySse);
    } catch (error) {
      if (error instanceof MissingEnvVarError) return { category: "config", message: error.message };
      throw error;
    }
    this.#transport = transport;
    const client = new Client(this.#options.clientInfo ?? { name: "escapement", version: "0" }, { capabilities: {} });
    this.#client = client;
    let closedWhileConnecting = false;
    client.onclose = () => {
      if (this.#state === "connected") this.#lost();
      else closedWhileConnecting = true;
    };
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.#startupTimeoutMs);
    const signal = outer ? AbortSignal.any([outer, deadline.signal]) : deadline.signal;
    const listed: McpToolDescriptor[] = [];
    try {
      await client.connect(transport, { signal, timeout: this.#startupTimeoutMs });
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor === undefined ? {} : { cursor }, { signal, timeout: this.#startupTimeoutMs });
        listed.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor !== undefined);
    } catch (error) {
      clearTimeout(timer);
      if (!legacySse && transport instanceof StreamableHTTPClientTransport && error instanceof StreamableHTTPError && legacySseStatuses.has(error.code ?? 0)) {
        this.#log.debug(`mcp server "${this.name}": streamable HTTP refused (HTTP ${error.code}); trying the legacy HTTP+SSE transport`);
        await this.#closeQuietly();
        const legacy = await this.#open(true);
        if (Array.isArray(legacy) || legacy.category === "aborted") return legacy;
        return { ...legacy, message: `streamable HTTP was refused (HTTP ${error.code}), and the legacy HTTP+SSE transport failed too: ${legacy.message}` };
      }
      const failure = outer?.aborted
        ? { category: "aborted" as const, message: "the run was cancelled while it connected" }
        : deadline.signal.aborted
          ? { category: "timeout" as const, message: `no answer within ${this.#startupTimeoutMs} ms` }
          : this.#startFailure(error);
      await this.#closeQuietly();
      return failure;
    }
    clearTimeout(timer);
    if (closedWhileConnecting) {
      // It answered, then went away before the run could use it.
      const failure = { category: "exited" as const, message: `${this.#exitText()} right after it connected` };
      await this.#closeQuietly();
      return failure;
    }
    if (this.#state === "closed") {
      await this.#closeQuietly();
      return { category: "aborted", message: "the connection was closed while it started" };
    }
    this.#serverInfo = client.getServerVersion();
    this.#state = "connected";
    this.#error = undefined;
    client.onerror = (error) => this.#log.debug(`mcp server "${this.name}": ${this.#redact(error.message)}`);
    return listed;
  }

  /**
   * Starts a stdio server that went away again, once for all the calls waiting on it. Its tools
   * stay as registered at the start of the run; one the new process no longer has is refused by it.
   */
  #restart(): Promise<void> {
    this.#restarting ??= (async () => {
      this.#restarts++;
      const lost = this.#error?.message ?? "it went away";
      this.#log.warn(`mcp server "${this.name}" went away (${lost}); starting it again (restart ${this.#restarts} of ${this.#maxRestarts})`);
      await this.#closeQuietly();
      // Closed meanwhile (the run ended): start nothing.
      if (this.#state === "closed") return;
      this.#state = "connecting";
      const opened = await this.#open();
      if (Array.isArray(opened)) {
        const now = new Set(opened.map((descriptor) => descriptor.name));
        const gone = this.tools.filter((tool) => !now.has(this.#mcpNames.get(tool.name) ?? "")).map((tool) => tool.name);
        this.#log.info(`mcp server "${this.name}" connected again`, { restarts: this.#restarts, ...(gone.length > 0 ? { toolsGone: gone.join(", ") } : {}) });
        return;
      }
      // A connection closed meanwhile stays closed.
      if ((this.#state as McpServerStatus["state"]) === "closed") return;
      this.#state = "disconnected";
      this.#error = { category: opened.category, message: this.#redact(`it went away (${lost}) and did not start again: ${opened.message}`) };
      this.#log.warn(mcpFailureLine(this.name, this.#error));
    })().finally(() => {
      this.#restarting = undefined;
    });
    return this.#restarting;
  }

  /** Calls one tool; every failure is an error result (never a throw). */
  async call(mcpTool: string, toolName: string, input: Record<string, unknown>, context: ToolContext): Promise<ToolResult> {
    const meta = { server: this.name, tool: mcpTool };
    if (context.signal.aborted) return abortedResult(meta);
    if (this.#restarting) await this.#restarting;
    else if (this.#state === "disconnected" && this.#restarts < this.#maxRestarts) await this.#restart();
    if (context.signal.aborted) return abortedResult(meta);
    if (this.#state !== "connected" || !this.#client) return this.#unavailable(meta, this.#reason());
    try {
      const result = await this.#client.callTool({ name: mcpTool, arguments: input }, undefined, {
        signal: context.signal,
        timeout: this.#toolTimeoutMs,
      });
      return fromMcpResult(result as McpCallResult, meta, this.#maxOutputChars);
    } catch (error) {
      if (context.signal.aborted) return abortedResult(meta);
      if (this.#state !== "connected") return this.#unavailable(meta, this.#reason());
      if (error instanceof McpError) {
        if (error.code === ErrorCode.RequestTimeout) {
          return toolFailure(`${toolName}: MCP server "${this.name}" did not answer within ${this.#toolTimeoutMs} ms`, {
            ...meta,
            category: "mcp-timeout",
          });
        }
        if (error.code !== ErrorCode.ConnectionClosed) {
          return toolFailure(`${toolName}: MCP server "${this.name}" refused the call: ${this.#redact(error.message)}`, {
            ...meta,
            category: "mcp-error",
            code: error.code,
          });
        }
      }
      // The connection failed under the call (HTTP: the server is unreachable, or answered with an HTTP error).
      return this.#unavailable(meta, this.#redact(`${describeError(error)}${this.#where()}`));
    }
  }

  killNow(): void {
    if (this.#transport instanceof GroupStdioTransport) this.#transport.killNow();
  }

  async close(): Promise<void> {
    if (this.#state === "closed") return;
    const wasUp = this.#state === "connected";
    this.#state = "closed";
    if (wasUp && this.#transport instanceof StreamableHTTPClientTransport && this.#transport.sessionId !== undefined) {
      // A stateful HTTP server: end the session (best effort; a server without sessions answers 405).
      await this.#transport.terminateSession().catch(() => {});
    }
    await this.#closeQuietly();
    this.#log.debug(`mcp server "${this.name}" closed`);
  }

  #createTransport(legacySse: boolean): McpClientTransport {
    const env = this.#options.env ?? process.env;
    const config = this.#config;
    if (config.url !== undefined) {
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(config.headers ?? {})) {
        headers[key] = expandEnvRefs(value, env, `mcpServers.${this.name}.headers.${key}`);
        this.#secrets.push(headers[key]);
      }
      if (legacySse) return new SSEClientTransport(new URL(config.url), { requestInit: { headers } });
      return new StreamableHTTPClientTransport(new URL(config.url), {
        requestInit: { headers },
        // Tool calls do not resume a dropped stream: a failed call is reported, not retried.
        reconnectionOptions: { maxRetries: 0, initialReconnectionDelay: 1000, maxReconnectionDelay: 1000, reconnectionDelayGrowFactor: 1 },
      });
    }
    const childEnv: Record<string, string> = {};
    for (const key of inheritedEnvVars) {
      const value = env[key];
      if (value !== undefined && !value.startsWith("()")) childEnv[key] = value;
    }
    for (const [key, value] of Object.entries(config.env ?? {})) {
      childEnv[key] = expandEnvRefs(value, env, `mcpServers.${this.name}.env.${key}`);
      this.#secrets.push(childEnv[key]);
    }
    const args = (config.args ?? []).map((arg, index) => {
      const expanded = expandEnvRefs(arg, env, `mcpServers.${this.name}.args[${index}]`);
      if (expanded !== arg) this.#secrets.push(expanded);
      return expanded;
    });
    const baseDir = this.#options.baseDir ?? process.cwd();
    const cwd = config.cwd === undefined ? baseDir : isAbsolute(config.cwd) ? config.cwd : resolve(baseDir, config.cwd);
    return new GroupStdioTransport(
      { command: config.command!, args, env: childEnv, cwd },
      {
        ...(this.#options.graceMs === undefined ? {} : { graceMs: this.#options.graceMs }),
        onStderr: (line) => this.#log.debug(`mcp server "${this.name}" stderr: ${this.#redact(line)}`),
      },
    );
  }

  #toolsOf(listed: readonly McpToolDescriptor[]): Tool[] {
    const taken = new Set<string>();
    const tools: Tool[] = [];
    for (const descriptor of listed) {
      const name = mcpToolName(this.name, descriptor.name, taken);
      taken.add(name);
      const mcpTool = descriptor.name;
      this.#mcpNames.set(name, mcpTool);
      tools.push({
        name,
        description: descriptor.description ?? descriptor.title ?? `${mcpTool} (MCP server ${this.name})`,
        input: serverValidatedInput,
        inputSchema: { ...(descriptor.inputSchema as Record<string, unknown>) },
        // The server's own hint: a read-only or idempotent tool may run again after a crash interrupted it.
        ...(descriptor.annotations?.readOnlyHint === true || descriptor.annotations?.idempotentHint === true ? { idempotent: true } : {}),
        // A read-only tool changes nothing: its calls may run beside other parallel-safe calls.
        ...(descriptor.annotations?.readOnlyHint === true ? { parallel: true } : {}),
        // The server's own limit; the SDK's request timeout stays as a backstop.
        timeoutMs: Math.min(this.#toolTimeoutMs, maxToolTimeoutMs),
        execute: (input: Record<string, unknown>, context: ToolContext) => this.call(mcpTool, name, input, context),
      });
    }
    return tools;
  }

  /** The connection closed while the server was up: a stdio process that exited. */
  #lost(): void {
    if (this.#state !== "connected") return;
    this.#state = "disconnected";
    this.#error = { category: "exited", message: this.#exitText() };
    const next = this.#restarts < this.#maxRestarts ? "it is started again at the next call of one of its tools" : "its tools now fail with mcp-unavailable";
    this.#log.warn(`mcp server "${this.name}" went away; ${next}`, { ...this.#error });
  }

  #reason(): string {
    return this.#error?.message ?? (this.#state === "closed" ? "it was closed" : "it is not connected");
  }

  #unavailable(meta: Record<string, unknown>, reason: string): ToolResult {
    return toolFailure(`MCP server "${this.name}" is unavailable: ${reason}`, { ...meta, category: "mcp-unavailable" });
  }

  #fail(failure: McpFailure): void {
    this.#state = "failed";
    this.#error = { category: failure.category, message: this.#redact(failure.message) };
    this.tools = [];
    this.#log.warn(mcpFailureLine(this.name, this.#error));
  }

  #startFailure(error: unknown): McpFailure {
    if (this.#transport instanceof GroupStdioTransport) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "EACCES" || code === "ENOTDIR") {
        return { category: "spawn", message: `cannot start ${JSON.stringify(this.#config.command)}: ${describeError(error)}` };
      }
      if (this.#transport.exit) return { category: "exited", message: `${this.#exitText()} before it answered` };
    }
    return { category: "connect", message: `${describeError(error)}${this.#where()}` };
  }

  /** ` at <url>` for an HTTP server (without query or credentials). */
  #where(): string {
    return this.#config.url === undefined ? "" : ` at ${displayUrl(this.#config.url)}`;
  }

  #exitText(): string {
    const transport = this.#transport;
    if (!(transport instanceof GroupStdioTransport)) return "the connection closed";
    const exit = transport.exit;
    const how = !exit ? "its process ended" : exit.signal ? `its process was killed by ${exit.signal}` : `its process exited with code ${exit.code}`;
    const stderr = transport.stderrTail.filter((line) => line.trim() !== "").slice(-3);
    return stderr.length > 0 ? `${how} (stderr: ${stderr.join(" | ")})` : how;
  }

  async #closeQuietly(): Promise<void> {
    const client = this.#client;
    if (client) client.onclose = undefined;
    for (const closable of [client, this.#transport]) {
      try {
        await closable?.close();
      } catch (error) {
        this.#log.debug(`mcp server "${this.name}": close failed: ${describeError(error)}`);
      }
    }
  }

  /** Hides every value that came from the environment or from env/headers (the server may print them). */
  #redact(text: string): string {
    let out = text;
    for (const secret of this.#secrets) if (secret.length >= 4) out = out.split(secret).join("[redacted]");
    return out;
  }
}

/** An error's message, with the system error code of its cause (fetch failures hide it there). */
const describeError = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  const code = (error as NodeJS.ErrnoException).code ?? (cause instanceof Error ? (cause as NodeJS.ErrnoException).code : undefined);
  const message = error.message || error.name;
  return code && !message.includes(code) ? `${message} (${code})` : message;
};
