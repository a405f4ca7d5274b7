/**
 * How busy the machine was while the bench measured, and how much of that was the bench itself
 * (this process and its children: Chromium), from Linux's /proc. A page's long tasks are wall
 * time: on a machine other work keeps busy, the renderer waits for a core, and its tasks look
 * longer than the work in them. Undefined where there is no /proc.
 */
import { readdirSync, readFileSync } from "node:fs";

export interface CpuSample {
  /** Clock ticks all cores spent busy / in all. */
  readonly machineBusy: number;
  readonly machineTotal: number;
  /** Clock ticks the process tree spent on a core. */
  readonly tree: number;
}

export interface CpuShare {
  readonly cores: number;
  /** Shares of all cores' time over the interval, 0..1. */
  readonly machine: number;
  readonly bench: number;
}

const machineTicks = (): { busy: number; total: number } => {
  const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((n, v) => n + v, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0); // idle + iowait
  return { busy: total - idle, total };
};

/** utime + stime of `root` and every process below it. */
const treeTicks = (root: number): number => {
  const parent = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parent.set(Number(entry), Number(rest[1]));
      ticks.set(Number(entry), Number(rest[11]) + Number(rest[12]));
    } catch {
      // The process ended while the list was read.
    }
  }
  let sum = 0;
  for (const [pid, t] of ticks) {
    for (let p: number | undefined = pid; p !== undefined && p > 0; p = parent.get(p)) {
      if (p === root) {
        sum += t;
        break;
      }
    }
  }
  return sum;
};

export const cpuSample = (root: number): CpuSample | undefined => {
  try {
    const machine = machineTicks();
    return { machineBusy: machine.busy, machineTotal: machine.total, tree: treeTicks(root) };
  } catch {
    return undefined;
  }
};

export const cpuShare = (before: CpuSample | undefined, after: CpuSample | undefined, cores: number): CpuShare | undefined => {
  if (!before || !after) return undefined;
  const total = after.machineTotal - before.machineTotal;
  if (total <= 0) return undefined;
  return { cores, machine: (after.machineBusy - before.machineBusy) / total, bench: (after.tree - before.tree) / total };
};
