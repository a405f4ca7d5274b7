/**
 * `escapement open <dir> --emit-wire` as a child process: time to its first frame on stdout, time
 * to the end, and its own peak RSS (VmHWM from /proc, sampled while it runs; the high-water mark
 * only grows, so the last sample is the peak up to a few ms before exit).
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import type { Subject } from "./subject.js";

export interface CliResult {
  firstFrameMs: number;
  totalMs: number;
  /** Peak resident set of the child, bytes (0 where /proc is missing). */
  peakRss: number;
  bytes: number;
}

const vmHwm = (pid: number): number => {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
};

export function openEmitWire(subject: Subject, sessionDir: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    let first = -1;
    let bytes = 0;
    let peak = 0;
    const child = spawn(process.execPath, [subject.bin, "open", sessionDir, "--emit-wire"], { stdio: ["ignore", "pipe", "inherit"] });
    const sample = () => {
      if (child.pid !== undefined) peak = Math.max(peak, vmHwm(child.pid));
    };
    const sampler = setInterval(sample, 5);
    child.stdout.on("data", (chunk: Buffer) => {
      if (first < 0) first = performance.now() - start;
      bytes += chunk.length;
    });
    // The stdout pipe closes when the child is about to exit: a last sample while /proc still has it.
    child.stdout.on("end", sample);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearInterval(sampler);
      if (code === 0) resolve({ firstFrameMs: first, totalMs: performance.now() - start, peakRss: peak, bytes });
      else reject(new Error(`${subject.name}: open exited ${code}`));
    });
  });
}

/**
 * The floor under any CLI's first frame: a bare `node` that writes one byte, timed the same way
 * (spawn to first byte on its stdout), so the CLI's own share of its first frame shows apart from
 * the start of Node itself on this machine, under this load.
 */
export function bareNodeFirstByte(): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    let first = -1;
    const child = spawn(process.execPath, ["-e", "process.stdout.write('x')"], { stdio: ["ignore", "pipe", "inherit"] });
    child.stdout.on("data", () => {
      if (first < 0) first = performance.now() - start;
    });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 && first >= 0 ? resolve(first) : reject(new Error(`bare node exited ${code}`))));
  });
}
