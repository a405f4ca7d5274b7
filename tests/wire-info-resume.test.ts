/**
 * A listening run killed with SIGKILL cannot remove its `wire.json`: the file names a server that
 * is gone. Resuming the session replaces it (a run that listens) or removes it as the run starts
 * (a run that does not), so a renderer never dials a dead run from it.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, repo, resultOf, runCli, scratch } from "../core/test/examples/harness.js";

const work = scratch("wire-info-resume");

interface WireInfo {
  url: string;
  token: string;
  pid: number;
}

const wireInfoOf = (dir: string): WireInfo => JSON.parse(readFileSync(join(dir, "wire.json"), "utf8")) as WireInfo;

/** The session holds a checkpoint, so a resume has one to start from. */
const checkpointed = (dir: string): boolean => {
  const journal = join(dir, "checkpoints.jsonl");
  return existsSync(journal) && statSync(journal).size > 0;
};

/**
 * Starts the CLI with stdin left open, SIGKILLs it once `ready(stderr)` holds (polled), and
 * resolves with its pid once it is gone. Rejects if the run ends first or the deadline passes.
 */
function killWhen(args: string[], ready: (stderr: string) => boolean, deadlineMs = 15_000): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: repo, stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    let killed = false;
    child.stdin.on("error", () => {});
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const poll = setInterval(() => {
      if (killed || !ready(stderr)) return;
      killed = true;
      child.kill("SIGKILL");
    }, 20);
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      fail(new Error(`not ready within ${deadlineMs} ms\nstderr:\n${stderr}`));
    }, deadlineMs);
    child.on("close", () => {
      clearInterval(poll);
      clearTimeout(timer);
      if (killed) done(child.pid!);
      else fail(new Error(`the run ended before it was killed\nstderr:\n${stderr}`));
    });
  });
}

describe("wire.json after a SIGKILL", () => {
  it("a resume that listens replaces it, one that does not removes it at start, and a finished run leaves none", async () => {
    const dir = join(work, "session");

    // A listening run, killed at its first prompt (answered over the wire, so it waits).
    const firstPid = await killWhen(
      ["run", "examples/ask", "--no-tui", "--listen", "--session-dir", dir],
      (stderr) => stderr.includes("wire: ") && checkpointed(dir),
    );
    const stale = wireInfoOf(dir);
    expect(stale.pid).toBe(firstPid);

    // Resumed listening: its own wire.json replaces the stale one.
    const secondPid = await killWhen(["run", "--resume", dir, "--no-tui", "--listen"], (stderr) => stderr.includes("wire: "));
    const replaced = wireInfoOf(dir);
    expect(replaced.pid).toBe(secondPid);
    expect(replaced.token).not.toBe(stale.token);

    // Resumed without listening, killed at its first prompt: the stale file is gone already.
    await killWhen(["run", "--resume", dir, "--no-tui"], (stderr) => stderr.includes("? Who should we greet?"));
    expect(existsSync(join(dir, "wire.json"))).toBe(false);

    // And a resume that runs to the end leaves none either.
    const finished = await runCli(["run", "--resume", dir, "--no-tui"], { input: "Ada\n2\ny\n" });
    expect(finished.code, finished.stderr).toBe(0);
    expect(resultOf(finished)).toMatchObject({ status: "done", finalConfig: ["sent"] });
    expect(existsSync(join(dir, "wire.json"))).toBe(false);
  });
});
