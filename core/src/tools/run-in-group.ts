import { spawn } from "node:child_process";
import { OutputBuffer } from "./output-buffer.js";
import { groupAlive, signalGroup } from "./process-group.js";
import { killTagged } from "./process-stat.js";

export interface GroupLimits {
  /** Told the new group's id as soon as it exists (so a crash cannot lose track of it). */
  onGroup?: (pgid: number) => void;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** Time between SIGTERM and SIGKILL when the group is stopped. */
  killGraceMs: number;
  /** Cap per stream (head and tail kept). */
  maxOutputBytes: number;
  /** After the shell exits, how long background holders of its pipes may keep them open. */
  drainMs: number;
  /**
   * The value of `ESCAPEMENT_PROCESS_TAG` in `env`, if set: a stop also signals every process
   * carrying it, so one that left the group (`setsid`, a daemon's double fork) is stopped too.
   */
  tag?: string;
}

export type StopReason = "timeout" | "abort";

export interface RunOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stopped: StopReason | undefined;
  spawnError: Error | undefined;
  stdout: OutputBuffer;
  stderr: OutputBuffer;
}

const groupPollMs = 25;

/**
 * Runs `program args...` (`bash -c command`, or bwrap around it) as the leader of a new process
 * group in a new session. Resolves once the program has exited and its output is collected;
 * after a timeout or abort, only once the whole group is gone or has been sent SIGKILL (and, with
 * `tag`, every process carrying the tag has been sent it too).
 */
export const runInGroup = (program: string, args: readonly string[], cwd: string, limits: GroupLimits, signal: AbortSignal): Promise<RunOutcome> =>
  new Promise((resolve) => {
    const stdout = new OutputBuffer(limits.maxOutputBytes);
    const stderr = new OutputBuffer(limits.maxOutputBytes);
    const child = spawn(program, args, { cwd, env: limits.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    if (child.pid !== undefined) limits.onGroup?.(child.pid);
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
      if (limits.tag) killTagged(limits.tag, "SIGTERM");
      later(limits.killGraceMs, () => {
        signalGroup(child.pid!, "SIGKILL");
        if (limits.tag) killTagged(limits.tag, "SIGKILL");
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
