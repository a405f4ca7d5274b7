import { readdirSync, readFileSync } from "node:fs";

/** What /proc says about a process: its group and when it started. Linux only. */
export interface ProcessStat {
  pid: number;
  pgrp: number;
  /** Start time in clock ticks since boot: with the pid, it names one process across pid reuse. */
  startTicks: number;
}

/** Parses /proc/<pid>/stat; undefined where there is no /proc or the process is gone. */
export const processStat = (pid: number): ProcessStat | undefined => {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces and ")": fields follow the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const pgrp = Number(fields[2]);
  const startTicks = Number(fields[19]);
  return Number.isInteger(pgrp) && Number.isInteger(startTicks) ? { pid, pgrp, startTicks } : undefined;
};

/** The pids /proc lists, this process's left out; none where there is no /proc. */
const otherPids = (): number[] => {
  try {
    return readdirSync("/proc")
      .filter((name) => /^\d+$/.test(name))
      .map(Number)
      .filter((pid) => pid !== process.pid);
  } catch {
    return [];
  }
};

/** Sends `signal` (default SIGKILL) to each of `pids` that is still there and ours to signal; returns those signalled. */
const killAll = (pids: number[], signal: NodeJS.Signals = "SIGKILL"): number[] =>
  pids.filter((pid) => {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  });

/**
 * Kills (SIGKILL) every process of group `pgid` that started no earlier than `startTicks` (the
 * group leader's start): the processes a dead run's tool left behind, and never an unrelated group
 * that reuses the number. Returns the pids killed. Without /proc nothing can be told apart, so
 * nothing is killed.
 */
export const killGroupSince = (pgid: number, startTicks: number): number[] =>
  killAll(
    otherPids().filter((pid) => {
      const stat = processStat(pid);
      return stat !== undefined && stat.pgrp === pgid && stat.startTicks >= startTicks;
    }),
  );

/** The environment variable that tags the processes a tool call started (see ToolContext.processTag). */
export const processTagVariable = "ESCAPEMENT_PROCESS_TAG";

/**
 * Sends `signal` (default SIGKILL) to every process whose environment carries `tag`, wherever it
 * went (a new session or group by `setsid`, a double fork); returns the pids signalled. Needs
 * /proc; a process that cleared its environment is not found.
 */
export const killTagged = (tag: string, signal: NodeJS.Signals = "SIGKILL"): number[] => {
  const needle = `\0${processTagVariable}=${tag}\0`;
  return killAll(
    otherPids().filter((pid) => {
      try {
        return `\0${readFileSync(`/proc/${pid}/environ`, "utf8")}`.includes(needle);
      } catch {
        return false;
      }
    }),
    signal,
  );
};
