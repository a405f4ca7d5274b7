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

/**
 * Kills (SIGKILL) every process of group `pgid` that started no earlier than `startTicks` (the
 * group leader's start): the processes a dead run's tool left behind, and never an unrelated group
 * that reuses the number. Returns the pids killed. Without /proc nothing can be told apart, so
 * nothing is killed.
 */
export const killGroupSince = (pgid: number, startTicks: number): number[] => {
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  const killed: number[] = [];
  for (const name of pids) {
    const stat = processStat(Number(name));
    if (!stat || stat.pgrp !== pgid || stat.startTicks < startTicks || stat.pid === process.pid) continue;
    try {
      process.kill(stat.pid, "SIGKILL");
      killed.push(stat.pid);
    } catch {
      // Gone already, or not ours to signal.
    }
  }
  return killed;
};

/** The environment variable that tags the processes a tool call started (see ToolContext.processTag). */
export const processTagVariable = "ESCAPEMENT_PROCESS_TAG";

/** Kills (SIGKILL) every process whose environment carries `tag`; returns the pids killed. Needs /proc. */
export const killTagged = (tag: string): number[] => {
  const needle = `\0${processTagVariable}=${tag}\0`;
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  const killed: number[] = [];
  for (const name of pids) {
    const pid = Number(name);
    if (pid === process.pid) continue;
    let environ: string;
    try {
      environ = `\0${readFileSync(`/proc/${name}/environ`, "utf8")}`;
    } catch {
      continue;
    }
    if (!environ.includes(needle)) continue;
    try {
      process.kill(pid, "SIGKILL");
      killed.push(pid);
    } catch {
      // Gone already, or not ours to signal.
    }
  }
  return killed;
};
