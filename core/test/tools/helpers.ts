import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import type { ToolContext } from "../../src/tools/tool.js";

const made: string[] = [];

afterEach(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fresh real directory, removed after the test. */
export const tempDir = async (): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), "escapement-tools-test-"));
  made.push(dir);
  return dir;
};

export const contextFor = (workDir: string, signal: AbortSignal = new AbortController().signal): ToolContext => ({
  workDir,
  signal,
});

/** Polls `check` until it holds or the deadline passes. */
export const waitFor = async (check: () => boolean | Promise<boolean>, deadlineMs = 5000, what = "condition"): Promise<void> => {
  const until = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

/** Whether a process still runs. A zombie (exited, not yet reaped by its new parent) counts as dead. */
export const isAlive = async (pid: number): Promise<boolean> => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state !== "Z" && state !== "";
};

export const readPid = async (path: string): Promise<number> => Number((await readFile(path, "utf8")).trim());
