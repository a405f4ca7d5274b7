/**
 * A stdio MCP client transport that starts the server as the leader of its own process group, so
 * closing it stops everything the server started (an `npx` wrapper, a helper it spawned), not only
 * the direct child. The SDK's StdioClientTransport signals the direct child only.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { ReadBuffer, serializeMessage } from "@modelcontextprotocol/sdk/shared/stdio.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { groupAlive, signalGroup } from "../process-group.js";

export interface StdioServerProcess {
  command: string;
  args: readonly string[];
  /** The child's whole environment (nothing else is inherited). */
  env: Record<string, string>;
  cwd: string;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface GroupStdioTransportOptions {
  /** After stdin is closed, how long the server may take to exit before SIGTERM; then again before SIGKILL. */
  graceMs?: number;
  /** Each line the server writes to stderr (it is never shown on the terminal). */
  onStderr?: (line: string) => void;
}

const stderrTailLines = 20;
const maxLineChars = 2000;

export class GroupStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  readonly #spec: StdioServerProcess;
  readonly #graceMs: number;
  readonly #onStderr: ((line: string) => void) | undefined;
  readonly #readBuffer = new ReadBuffer();
  readonly #stderrLines: string[] = [];
  #stderrPartial = "";
  #child: ChildProcessWithoutNullStreams | undefined;
  #exit: ProcessExit | undefined;
  #exited: Promise<void> | undefined;
  #closed = false;

  constructor(spec: StdioServerProcess, options: GroupStdioTransportOptions = {}) {
    this.#spec = spec;
    this.#graceMs = options.graceMs ?? 2000;
    this.#onStderr = options.onStderr;
  }

  /** The server's pid (also its process group id), once started. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** How the server process ended, once it has. */
  get exit(): ProcessExit | undefined {
    return this.#exit;
  }

  /** The last lines the server wrote to stderr. */
  get stderrTail(): readonly string[] {
    return this.#stderrPartial === "" ? this.#stderrLines : [...this.#stderrLines, this.#stderrPartial];
  }

  start(): Promise<void> {
    if (this.#child) throw new Error("GroupStdioTransport already started");
    return new Promise((resolve, reject) => {
      const child = spawn(this.#spec.command, [...this.#spec.args], {
        cwd: this.#spec.cwd,
        env: this.#spec.env,
        detached: true,
        stdio: ["pipe", "pipe", "pipe"],
        shell: false,
      });
      this.#child = child;
      let spawned = false;
      this.#exited = new Promise((done) => {
        child.once("exit", (code, signal) => {
          this.#exit = { code, signal };
          // Whatever the server left running (its own children) goes with it.
          if (child.pid !== undefined) void this.#stopGroup(child.pid).catch(() => {});
          done();
          this.#finish();
        });
      });
      child.once("error", (error) => {
        if (!spawned) {
          this.#exit = { code: null, signal: null };
          reject(error);
          this.#finish();
        } else {
          this.onerror?.(error);
        }
      });
      child.once("spawn", () => {
        spawned = true;
        resolve();
      });
      child.stdout.on("data", (chunk: Buffer) => {
        this.#readBuffer.append(chunk);
        for (;;) {
          let message: JSONRPCMessage | null;
          try {
            message = this.#readBuffer.readMessage();
          } catch (error) {
            this.onerror?.(error as Error);
            continue;
          }
          if (message === null) break;
          this.onmessage?.(message);
        }
      });
      child.stderr.on("data", (chunk: Buffer) => this.#stderr(chunk.toString("utf8")));
      // A server that exits while we write gives EPIPE; the exit itself is reported by onclose.
      child.stdin.on("error", () => {});
      child.stdout.on("error", () => {});
      child.stderr.on("error", () => {});
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    const child = this.#child;
    if (!child || this.#exit || this.#closed || !child.stdin.writable) {
      return Promise.reject(new Error("not connected: the server process is not running"));
    }
    return new Promise((resolve) => {
      if (child.stdin.write(serializeMessage(message))) resolve();
      else child.stdin.once("drain", () => resolve());
    });
  }

  /** Closes stdin, waits for the server to exit, then SIGTERM and SIGKILL its whole process group. */
  async close(): Promise<void> {
    const child = this.#child;
    if (!child || child.pid === undefined) {
      this.#finish();
      return;
    }
    const pgid = child.pid;
    if (!this.#exit) {
      child.stdin.end();
      if (!(await this.#waitExit(this.#graceMs))) {
        signalGroup(pgid, "SIGTERM");
        if (!(await this.#waitExit(this.#graceMs))) {
          signalGroup(pgid, "SIGKILL");
          await this.#waitExit(this.#graceMs);
        }
      }
    }
    await this.#stopGroup(pgid);
    this.#finish();
  }

  /** Synchronous last resort (the host process is exiting): SIGKILL the group. */
  killNow(): void {
    const pid = this.#child?.pid;
    if (pid !== undefined && groupAlive(pid)) signalGroup(pid, "SIGKILL");
  }

  /** Stops what is left of the group after its leader exited: SIGTERM, then SIGKILL after the grace. */
  async #stopGroup(pgid: number): Promise<void> {
    if (!groupAlive(pgid)) return;
    signalGroup(pgid, "SIGTERM");
    const deadline = Date.now() + this.#graceMs;
    while (groupAlive(pgid) && Date.now() < deadline) await delay(25);
    if (groupAlive(pgid)) signalGroup(pgid, "SIGKILL");
  }

  async #waitExit(ms: number): Promise<boolean> {
    if (this.#exit) return true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const exited = this.#exited!.then(() => true as const);
    const result = await Promise.race([exited, timedOut]);
    clearTimeout(timer);
    return result;
  }

  #stderr(text: string): void {
    const lines = (this.#stderrPartial + text).split("\n");
    this.#stderrPartial = (lines.pop() ?? "").slice(-maxLineChars);
    for (const whole of lines) {
      const line = whole.slice(-maxLineChars);
      this.#onStderr?.(line);
      this.#stderrLines.push(line);
      if (this.#stderrLines.length > stderrTailLines) this.#stderrLines.shift();
    }
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#readBuffer.clear();
    this.onclose?.();
  }
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
