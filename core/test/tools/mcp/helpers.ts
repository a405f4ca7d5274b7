import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterEach } from "vitest";
import type { McpServerConfig } from "../../../src/config/index.js";
import type { McpConnection } from "../../../src/tools/mcp/index.js";
import type { ToolContext } from "../../../src/tools/tool.js";

export const fixture = join(import.meta.dirname, "fixtures", "echo-server.mjs");

/** The environment servers see: only what a test gives (plus PATH, so `sleep` is found). */
export const baseEnv = { PATH: process.env["PATH"], HOME: process.env["HOME"] };

/** The echo server over stdio, as a `.escapement.json` entry. */
export const stdioServer = (extra: Partial<McpServerConfig> = {}): McpServerConfig => ({
  command: process.execPath,
  args: [fixture],
  ...extra,
});

export const context = (signal: AbortSignal = new AbortController().signal): ToolContext => ({ signal, workDir: process.cwd() });

const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Closes the connection after the test, whatever happened. */
export const track = (connection: McpConnection): McpConnection => {
  cleanups.push(() => connection.close());
  return connection;
};

export interface HttpServer {
  url: string;
  pid: number;
  child: ChildProcess;
  /** Resolves once the process has exited. */
  exited: Promise<void>;
}

/**
 * Starts the echo server over HTTP in its own process (streamable HTTP, or with `"sse"` only the
 * legacy HTTP+SSE transport); waits for its `listening <url>` line.
 */
export const startHttpServer = (mode: "http" | "sse" = "http"): Promise<HttpServer> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fixture, `--${mode}`], { stdio: ["ignore", "pipe", "inherit"] });
    const exited = new Promise<void>((done) => child.once("exit", () => done()));
    cleanups.push(async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await exited;
      }
    });
    const deadline = setTimeout(() => reject(new Error("the HTTP echo server did not start in 10 s")), 10_000);
    child.once("error", reject);
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const match = /^listening (\S+)$/.exec(line);
      if (!match) return;
      clearTimeout(deadline);
      resolve({ url: match[1]!, pid: child.pid!, child, exited });
    });
  });

/** Whether a process still runs (a zombie counts as dead). */
export { isAlive, waitFor } from "../helpers.js";
