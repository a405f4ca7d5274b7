import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { defaultPolicy } from "../../src/permissions/default-policy.js";
import type { PermissionTarget, PermitFn } from "../../src/permissions/permission-target.js";
import { permitWithoutHuman } from "../../src/permissions/permit-without-human.js";
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

/**
 * A work root and a directory outside it, side by side in a fresh real directory:
 * `<base>/work` and `<base>/outside`, which holds `secret.txt` ("SECRET\n"). Paths are real.
 */
export const rootAndOutside = async (): Promise<{ base: string; root: string; outside: string }> => {
  const base = await realpath(await tempDir());
  const root = join(base, "work");
  const outside = join(base, "outside");
  await mkdir(root);
  await mkdir(outside);
  await writeFile(join(outside, "secret.txt"), "SECRET\n");
  return { base, root, outside };
};

/** A permit that allows everything: a policy whose rules open every path. */
export const allowAll: PermitFn = async () => ({ allowed: true, rule: "test: allow all" });

/**
 * The default policy's permit for `workDir` and `tool` (inside allowed, outside denied, nobody to
 * ask), recording every target asked about. `beforeAnswer` runs inside the first call, before
 * the answer: what a racing process does between the check and the use.
 */
export const recordingPermit = (workDir: string, tool: string, beforeAnswer?: () => Promise<void>): { permit: PermitFn; targets: PermissionTarget[] } => {
  const targets: PermissionTarget[] = [];
  const decide = permitWithoutHuman(defaultPolicy(workDir), tool);
  const permit: PermitFn = async (target) => {
    targets.push(target);
    if (targets.length === 1) await beforeAnswer?.();
    return decide(target);
  };
  return { permit, targets };
};

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
