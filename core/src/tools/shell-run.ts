import { z } from "zod";
import { runInGroup, type GroupLimits, type RunOutcome } from "./run-in-group.js";
import { resolvePath } from "./resolve-path.js";
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
      const limits: GroupLimits = {
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
