import { spawn } from "node:child_process";
import { z } from "zod";
import { OutputBuffer } from "./output-buffer.js";
import { groupAlive, signalGroup } from "./process-group.js";
import { resolvePath } from "./resolve-path.js";
import { statPath } from "./stat-path.js";
import { abortedResult, toolFailure } from "./tool-failure.js";
import { defineTool, type Tool, type ToolResult } from "./tool.js";

export const defaultShellTimeoutMs = 120_000;
const groupPollMs = 25;

export const ShellRunInput = z.object({
  command: z.string().min(1).describe("Bash command line, run with `bash -c`."),
  cwd: z.string().optional().describe("Directory to run in (default: the working directory)."),
  timeoutMs: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe(`Kill the command and everything it started after this many milliseconds (default ${defaultShellTimeoutMs}).`),
});
export type ShellRunInput = z.infer<typeof ShellRunInput>;

export interface ShellRunOptions {
  /** Environment of the command (default: this process's environment). */
  env?: NodeJS.ProcessEnv;
  /** Time between SIGTERM and SIGKILL when the group is stopped (default 2000 ms). */
  killGraceMs?: number;
  /** Cap per stream; head and tail are kept (default 30000 bytes). */
  maxOutputBytes?: number;
  /**
   * After the shell exits, how long to wait for processes it left in the background to
   * release its stdout/stderr before returning anyway (default 300 ms).
   */
  drainMs?: number;
}

type Limits = Required<Omit<ShellRunOptions, "env">> & { env: NodeJS.ProcessEnv; timeoutMs: number };

type StopReason = "timeout" | "abort";

interface RunOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stopped: StopReason | undefined;
  spawnError: Error | undefined;
  stdout: OutputBuffer;
  stderr: OutputBuffer;
}

export const createShellRunTool = (options: ShellRunOptions = {}): Tool<ShellRunInput> =>
  defineTool<ShellRunInput>({
    name: "shell_run",
    description:
      "Run a bash command and return its stdout, stderr and exit status. The command runs in its own process " +
      "group; on timeout or cancellation the whole group (including background children) is killed. " +
      "Stdin is empty; long output keeps its beginning and end.",
    input: ShellRunInput,
    async execute(input, { workDir, signal }) {
      const shownCwd = input.cwd ?? ".";
      const resolvedPath = resolvePath(workDir, shownCwd);
      if (signal.aborted) return abortedResult({ resolvedPath });
      const root = await statPath(resolvedPath, shownCwd);
      if ("failure" in root) return root.failure;
      if (!root.stats.isDirectory()) return toolFailure(`cwd ${shownCwd} is not a directory.`, { resolvedPath });
      const limits: Limits = {
        env: options.env ?? process.env,
        killGraceMs: options.killGraceMs ?? 2000,
        maxOutputBytes: options.maxOutputBytes ?? 30_000,
        drainMs: options.drainMs ?? 300,
        timeoutMs: input.timeoutMs ?? defaultShellTimeoutMs,
      };
      const outcome = await runInGroup(input.command, resolvedPath, limits, signal);
      return present(outcome, limits.timeoutMs, resolvedPath);
    },
  });

export const shellRunTool = createShellRunTool();

/**
 * Runs `bash -c command` as the leader of a new process group. Resolves once the shell has
 * exited and its output is collected; after a timeout or abort, only once the whole group
 * is gone or has been sent SIGKILL.
 */
const runInGroup = (command: string, cwd: string, limits: Limits, signal: AbortSignal): Promise<RunOutcome> =>
  new Promise((resolve) => {
    const stdout = new OutputBuffer(limits.maxOutputBytes);
    const stderr = new OutputBuffer(limits.maxOutputBytes);
    const child = spawn("bash", ["-c", command], { cwd, env: limits.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));

    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let streamsClosed = false;
    let stopped: StopReason | undefined;
    let sigkillSent = false;
    let settled = false;
    const timers = new Set<NodeJS.Timeout>();

    const later = (ms: number, action: () => void): void => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        action();
      }, ms);
      timers.add(timer);
    };
    const settle = (spawnError?: Error): void => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      resolve({ exitCode: exit?.code ?? null, signal: exit?.signal ?? null, stopped, spawnError, stdout, stderr });
    };
    let polling = false;
    const maybeSettle = (): void => {
      if (!exit || !streamsClosed) return;
      if (stopped && !sigkillSent && groupAlive(child.pid!)) {
        // Members may still be exiting (or linger as zombies): look again until the SIGKILL deadline.
        if (!polling) {
          polling = true;
          later(groupPollMs, () => {
            polling = false;
            maybeSettle();
          });
        }
        return;
      }
      settle();
    };
    const stop = (reason: StopReason): void => {
      if (stopped || settled || child.pid === undefined) return;
      stopped = reason;
      signalGroup(child.pid, "SIGTERM");
      later(limits.killGraceMs, () => {
        signalGroup(child.pid!, "SIGKILL");
        sigkillSent = true;
        maybeSettle();
      });
    };
    const onAbort = (): void => stop("abort");

    child.on("error", (error) => {
      if (child.pid === undefined) settle(error);
    });
    child.on("exit", (code, exitSignal) => {
      exit = { code, signal: exitSignal };
      later(limits.drainMs, () => {
        child.stdout.destroy();
        child.stderr.destroy();
        streamsClosed = true;
        maybeSettle();
      });
    });
    child.on("close", (code, exitSignal) => {
      exit ??= { code, signal: exitSignal };
      streamsClosed = true;
      maybeSettle();
    });
    later(limits.timeoutMs, () => stop("timeout"));
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });

const present = (outcome: RunOutcome, timeoutMs: number, resolvedPath: string): ToolResult => {
  const { stdout, stderr, stopped } = outcome;
  const meta = {
    resolvedPath,
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    timedOut: stopped === "timeout",
    aborted: stopped === "abort",
    stdoutBytes: stdout.totalBytes,
    stderrBytes: stderr.totalBytes,
    truncated: stdout.omittedBytes + stderr.omittedBytes > 0,
  };
  if (outcome.spawnError) return toolFailure(`Could not start bash: ${outcome.spawnError.message}`, meta);
  const sections = [
    ...(stdout.totalBytes > 0 ? [withoutFinalNewline(stdout.text())] : []),
    ...(stderr.totalBytes > 0 ? [`[stderr]\n${withoutFinalNewline(stderr.text())}`] : []),
    status(outcome, timeoutMs),
  ];
  const isError = stopped !== undefined || outcome.exitCode !== 0;
  return { output: sections.join("\n"), isError, meta };
};

const status = (outcome: RunOutcome, timeoutMs: number): string => {
  if (outcome.stopped === "timeout") return `[timed out after ${timeoutMs} ms; the process group was killed]`;
  if (outcome.stopped === "abort") return "[aborted; the process group was killed]";
  if (outcome.signal) return `[killed by ${outcome.signal}]`;
  return `[exit code ${outcome.exitCode}]`;
};

const withoutFinalNewline = (text: string): string => (text.endsWith("\n") ? text.slice(0, -1) : text);
