import { realpath } from "node:fs/promises";
import { z } from "zod";
import { describeTarget } from "../permissions/describe-target.js";
import type { PermissionTarget } from "../permissions/permission-target.js";
import { permitOf } from "./permit-of.js";
import { runInGroup, type GroupLimits, type RunOutcome } from "./run-in-group.js";
import { isInside, resolvePath } from "./resolve-path.js";
import { processTagVariable } from "./process-stat.js";
import { sandboxArgs } from "./sandbox-args.js";
import { statPath } from "./stat-path.js";
import { abortedResult, toolFailure } from "./tool-failure.js";
import { defineTool, type Tool, type ToolResult } from "./tool.js";

export const defaultShellTimeoutMs = 120_000;
/** setTimeout fires at once beyond this (2^31 - 1 ms, about 24.8 days). */
const maxTimerMs = 2_147_483_647;

export const ShellRunInput = z.object({
  command: z.string().min(1).describe("Bash command line, run with `bash -c`."),
  cwd: z.string().optional().describe("Directory to run in (default: the working directory)."),
  timeoutMs: z
    .number()
    .int()
    .min(1)
    .max(maxTimerMs)
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

/** Time a timed-out command takes to stop: SIGTERM to SIGKILL, draining its output, and a margin. */
const stopGraceMs = (options: ShellRunOptions): number => (options.killGraceMs ?? 2000) + (options.drainMs ?? 300) + 1000;

export const createShellRunTool = (options: ShellRunOptions = {}): Tool<ShellRunInput> =>
  defineTool<ShellRunInput>({
    name: "shell_run",
    description:
      "Run a bash command and return its stdout, stderr and exit status. Stdin is empty; long output keeps its " +
      "beginning and end. On timeout or cancellation the command and everything it started are killed. " +
      "When the run is sandboxed, only the working directory's tree is writable, /tmp is private and starts empty, " +
      "the network may be off, and background processes (`cmd &`) are killed when the command returns: " +
      "start a server and use it within one command.",
    input: ShellRunInput,
    checksPermissions: true,
    // Commands change things: each runs alone, in the model's order.
    parallel: false,
    // The command's own timeout (which keeps its output) comes first; the call's is a backstop after
    // the time to kill its group and drain its output.
    timeoutMs: defaultShellTimeoutMs + stopGraceMs(options),
    timeoutFor: (input) => (input.timeoutMs === undefined ? undefined : input.timeoutMs + stopGraceMs(options)),
    async execute(input, context) {
      const { workDir, signal, sandbox } = context;
      const shownCwd = input.cwd ?? ".";
      const resolvedPath = resolvePath(workDir, shownCwd);
      if (signal.aborted) return abortedResult({ resolvedPath });
      const root = await statPath(resolvedPath, shownCwd);
      if ("failure" in root) return root.failure;
      if (!root.stats.isDirectory()) return toolFailure(`cwd ${shownCwd} is not a directory.`, { resolvedPath });
      // In a sandbox the command starts inside the work root, by real path (a symlink could lead out).
      let cwd = resolvedPath;
      if (sandbox) {
        const real = await Promise.all([realpath(resolvedPath), realpath(workDir)]).catch((error: unknown) => error as Error);
        if (real instanceof Error) return toolFailure(`Could not resolve cwd ${shownCwd}: ${real.message}`, { resolvedPath });
        if (!isInside(real[1], real[0])) return toolFailure(`cwd ${shownCwd} is outside the work root.`, { resolvedPath });
        cwd = real[0];
      }

      const target: PermissionTarget = { kind: "command", command: input.command };
      const permit = await permitOf(context, "shell_run")(target);
      if (!permit.allowed) {
        const message = permit.message ?? `permission denied: ${describeTarget(target)} (${permit.rule})`;
        return toolFailure(message, { resolvedPath, permission: "denied", rule: permit.rule });
      }
      // Asking a human may have taken a while.
      if (signal.aborted) return abortedResult({ resolvedPath });

      const limits: GroupLimits = {
        env: { ...(options.env ?? context.env ?? process.env), ...(context.processTag ? { [processTagVariable]: context.processTag } : {}) },
        ...(context.onProcessGroup ? { onGroup: context.onProcessGroup } : {}),
        ...(context.processTag ? { tag: context.processTag } : {}),
        killGraceMs: options.killGraceMs ?? 2000,
        maxOutputBytes: options.maxOutputBytes ?? 30_000,
        drainMs: options.drainMs ?? 300,
        timeoutMs: input.timeoutMs ?? defaultShellTimeoutMs,
      };
      let program = "bash";
      let args = ["-c", input.command];
      if (sandbox) {
        const bwrapArgs = await sandboxArgs(sandbox, cwd).catch((error: unknown) => error as Error);
        if (bwrapArgs instanceof Error) return toolFailure(`Could not set up the sandbox: ${bwrapArgs.message}`, { resolvedPath, sandboxed: true });
        args = [...bwrapArgs, program, ...args];
        program = sandbox.bwrap;
      }
      const outcome = await runInGroup(program, args, cwd, limits, signal);
      return present(outcome, limits.timeoutMs, { resolvedPath, sandboxed: sandbox !== undefined }, program);
    },
  });

export const shellRunTool = createShellRunTool();

/** Whether `path` is `root` or lies under it (both absolute and resolved). */

const present = (outcome: RunOutcome, timeoutMs: number, where: { resolvedPath: string; sandboxed: boolean }, program: string): ToolResult => {
  const { stdout, stderr, stopped } = outcome;
  const meta = {
    ...where,
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    timedOut: stopped === "timeout",
    aborted: stopped === "abort",
    stdoutBytes: stdout.totalBytes,
    stderrBytes: stderr.totalBytes,
    truncated: stdout.omittedBytes + stderr.omittedBytes > 0,
  };
  if (outcome.spawnError) return toolFailure(`Could not start ${program}: ${outcome.spawnError.message}`, meta);
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
