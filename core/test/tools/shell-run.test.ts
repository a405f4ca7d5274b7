import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { PermitFn } from "../../src/permissions/permission-target.js";
import { createShellRunTool, shellRunTool } from "../../src/tools/shell-run.js";
import type { ToolContext } from "../../src/tools/tool.js";
import { contextFor as bareContext, isAlive, readPid, tempDir, waitFor } from "./helpers.js";

const allowAll: PermitFn = async () => ({ allowed: true, rule: "test: allow" });

/** A context whose permit allows every command (the policy is tested on its own). */
const contextFor = (dir: string, signal?: AbortSignal): ToolContext => ({ ...bareContext(dir, signal), permit: allowAll });

/** Starts a background grandchild and a foreground child; both pids land in files. */
const twoSleepers = (dir: string): string => `sleep 30 & echo $! > ${join(dir, "grandchild.pid")}; sleep 30 & echo $! > ${join(dir, "child.pid")}; wait`;

const expectDead = async (pidFile: string): Promise<void> => {
  const pid = await readPid(pidFile);
  expect(pid).toBeGreaterThan(0);
  await waitFor(async () => !(await isAlive(pid)), 3000, `pid ${pid} to die`);
};

describe("shell_run", () => {
  it("returns stdout, stderr and the exit code", async () => {
    const dir = await tempDir();
    const ok = await shellRunTool.execute({ command: "echo out; echo err >&2" }, contextFor(dir));
    expect(ok.output).toBe("out\n[stderr]\nerr\n[exit code 0]");
    expect(ok.isError).toBe(false);
    expect(ok.meta).toMatchObject({ resolvedPath: dir, exitCode: 0, signal: null, timedOut: false, aborted: false });
    const failed = await shellRunTool.execute({ command: "exit 3" }, contextFor(dir));
    expect(failed).toMatchObject({ isError: true, output: "[exit code 3]", meta: { exitCode: 3 } });
  });

  it("runs in the work directory, or in cwd resolved against it", async () => {
    const dir = await tempDir();
    await shellRunTool.execute({ command: "mkdir sub && pwd > where.txt" }, contextFor(dir));
    expect((await readFile(join(dir, "where.txt"), "utf8")).trim()).toBe(dir);
    const inSub = await shellRunTool.execute({ command: "pwd", cwd: "sub" }, contextFor(dir));
    expect(inSub.output).toBe(`${join(dir, "sub")}\n[exit code 0]`);
    expect(inSub.meta?.["resolvedPath"]).toBe(join(dir, "sub"));
    const missing = await shellRunTool.execute({ command: "pwd", cwd: "nowhere" }, contextFor(dir));
    expect(missing).toMatchObject({ isError: true, output: "nowhere: no such file or directory" });
  });

  it("gives the command an empty stdin", async () => {
    const dir = await tempDir();
    const result = await shellRunTool.execute({ command: "cat; echo done", timeoutMs: 5000 }, contextFor(dir));
    expect(result.output).toBe("done\n[exit code 0]");
  });

  it("on timeout kills the whole process group, grandchildren included", async () => {
    const dir = await tempDir();
    const started = Date.now();
    const result = await createShellRunTool({ killGraceMs: 500 }).execute({ command: `echo started; ${twoSleepers(dir)}`, timeoutMs: 700 }, contextFor(dir));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result).toMatchObject({ isError: true, meta: { timedOut: true, aborted: false, exitCode: null } });
    expect(result.output).toBe("started\n[timed out after 700 ms; the process group was killed]");
    await expectDead(join(dir, "grandchild.pid"));
    await expectDead(join(dir, "child.pid"));
  });

  it("on abort kills the whole process group, grandchildren included", async () => {
    const dir = await tempDir();
    const controller = new AbortController();
    const running = createShellRunTool({ killGraceMs: 500 }).execute({ command: twoSleepers(dir) }, contextFor(dir, controller.signal));
    await waitFor(() => existsSync(join(dir, "child.pid")), 5000, "the command to start its children");
    controller.abort();
    const result = await running;
    expect(result).toMatchObject({ isError: true, meta: { aborted: true, timedOut: false } });
    expect(result.output).toBe("[aborted; the process group was killed]");
    await expectDead(join(dir, "grandchild.pid"));
    await expectDead(join(dir, "child.pid"));
  });

  it("SIGKILLs a grandchild that ignores SIGTERM once the grace period is over", async () => {
    const dir = await tempDir();
    const stubborn = `(trap '' TERM; exec sleep 30) & echo $! > ${join(dir, "stubborn.pid")}; wait`;
    const result = await createShellRunTool({ killGraceMs: 300 }).execute({ command: stubborn, timeoutMs: 500 }, contextFor(dir));
    expect(result.meta).toMatchObject({ timedOut: true });
    await expectDead(join(dir, "stubborn.pid"));
  });

  it("on timeout also kills a process that left the group with setsid, found by the call's process tag", async () => {
    const dir = await tempDir();
    const escaped = `setsid bash -c 'echo $$ > ${join(dir, "escaped.pid")}; exec sleep 30' & sleep 30`;
    const context: ToolContext = { ...contextFor(dir), processTag: `test/${dir}` };
    const result = await createShellRunTool({ killGraceMs: 300 }).execute({ command: escaped, timeoutMs: 700 }, context);
    expect(result.meta).toMatchObject({ timedOut: true });
    await expectDead(join(dir, "escaped.pid"));
  });

  it("does not start a command when the signal is already aborted", async () => {
    const dir = await tempDir();
    const result = await shellRunTool.execute({ command: "touch ran" }, contextFor(dir, AbortSignal.abort()));
    expect(result).toMatchObject({ isError: true, meta: { aborted: true } });
    expect(existsSync(join(dir, "ran"))).toBe(false);
  });

  it("returns when the shell exits even if a background process holds its output open", async () => {
    const dir = await tempDir();
    const started = Date.now();
    const result = await shellRunTool.execute({ command: `sleep 30 & echo $! > ${join(dir, "bg.pid")}; echo main done` }, contextFor(dir));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result.output).toBe("main done\n[exit code 0]");
    process.kill(await readPid(join(dir, "bg.pid")), "SIGKILL");
  });

  it("asks the permit for the command line and spawns nothing when it is refused", async () => {
    const dir = await tempDir();
    const asked: unknown[] = [];
    const permit: PermitFn = async (target) => {
      asked.push(target);
      return { allowed: false, rule: "test: deny", message: "permission denied: run `touch ran`: not today (test: deny)" };
    };
    const result = await shellRunTool.execute({ command: "touch ran" }, { ...bareContext(dir), permit });
    expect(asked).toEqual([{ kind: "command", command: "touch ran" }]);
    expect(result).toEqual({
      isError: true,
      output: "permission denied: run `touch ran`: not today (test: deny)",
      meta: { resolvedPath: dir, permission: "denied", rule: "test: deny" },
    });
    expect(existsSync(join(dir, "ran"))).toBe(false);
  });

  it("without a permit in the context, asks the default policy, which refuses an unconfined command with nobody to ask", async () => {
    const dir = await tempDir();
    const result = await shellRunTool.execute({ command: "touch ran" }, bareContext(dir));
    expect(result).toMatchObject({ isError: true, meta: { permission: "denied" } });
    expect(existsSync(join(dir, "ran"))).toBe(false);
  });

  it("caps long output, keeping head and tail, and says how much was omitted", async () => {
    const dir = await tempDir();
    const result = await createShellRunTool({ maxOutputBytes: 20 }).execute(
      { command: "printf 'HEAD------'; printf 'x%.0s' $(seq 1 100); printf '%s' '------TAIL'" },
      contextFor(dir),
    );
    expect(result.output).toBe("HEAD------\n[… 100 bytes omitted of 120 …]\n------TAIL\n[exit code 0]");
    expect(result.meta).toMatchObject({ stdoutBytes: 120, truncated: true });
  });
});
