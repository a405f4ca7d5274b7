/** The permission policy and the shell sandbox through the CLI: start-up errors in one line, decisions in the transcript. */
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { detectBwrap } from "../../src/tools/detect-bwrap.js";
import { repo, resultOf, rowsOf, runCli, scratch } from "./harness.js";

const work = scratch("cli-permissions");
const hello = join(repo, "examples/hello");
const iterate = join(repo, "examples/iterate");

/** A project directory holding `.escapement.json` with `config`. */
const project = (name: string, config: unknown): string => {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, ".escapement.json"), JSON.stringify(config));
  return dir;
};

/** Exit 2, the reason on one line, no stack trace, no result on stdout. */
function expectStartRefused(run: { code: number | null; stdout: string; stderr: string }, message: RegExp): void {
  expect(run.code, run.stderr).toBe(2);
  expect(run.stdout).toBe("");
  expect(run.stderr).toMatch(message);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

describe("escapement run: permissions and the sandbox", () => {
  it("--sandbox required without bubblewrap refuses to start, in one line", async () => {
    // PATH holds a directory with node only: no bwrap there.
    const bin = join(work, "bin");
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, "node"));
    const run = await runCli(["run", hello, "--no-tui", "--sandbox", "required", "--session-dir", join(work, "required")], { env: { PATH: bin, HOME: work } });
    expectStartRefused(
      run,
      /^escapement: the shell sandbox is required \(sandbox: "required"\) but unavailable: bwrap is not on PATH \(install the bubblewrap package\)$/m,
    );
    expect(existsSync(join(work, "required")), "no session is written").toBe(false);
  });

  it("a rule naming no tool of the run refuses to start, naming the key", async () => {
    const cwd = project("unknown-tool", { permissions: { fs_wirte: "deny" } });
    const run = await runCli(["run", hello, "--no-tui"], { cwd });
    expectStartRefused(run, /^escapement: \.escapement\.json: permissions\.fs_wirte: no tool named "fs_wirte" in this run/m);
  });

  it("a malformed rule is a config error naming the key path", async () => {
    const cwd = project("bad-glob", { permissions: { fs_write: { "src/[a": "deny" } } });
    const run = await runCli(["run", hello, "--no-tui"], { cwd });
    expectStartRefused(run, /^escapement: \.escapement\.json: permissions\.fs_write\["src\/\[a"\]: malformed glob/m);
  });

  it("runs shell commands in the sandbox and records every decision", async (context) => {
    if (!("path" in (await detectBwrap()))) return context.skip("bubblewrap does not work here");
    const workDir = join(work, "iterate-work");
    const sessionDir = join(work, "iterate-session");
    const run = await runCli(["run", iterate, "--no-tui", "--work-dir", workDir, "--session-dir", sessionDir], { deadlineMs: 60_000 });
    expect(resultOf(run).status, run.stderr).toBe("done");
    const decisions = rowsOf(sessionDir)
      .filter((row) => row.event === "tool/permission")
      .map((row) => row.data as { tool: string; decision: string; rule: string });
    expect(decisions.length).toBeGreaterThan(0);
    expect(decisions.every((d) => d.decision === "allow")).toBe(true);
    expect(decisions.find((d) => d.tool === "shell_run")?.rule).toBe("default: shell commands run in the sandbox → allow");
    expect(decisions.find((d) => d.tool === "fs_write")?.rule).toBe("default: inside the work root → allow");
  });

  it("asks before an unsandboxed shell command, and denies it with nobody to answer", async () => {
    const workDir = join(work, "iterate-off");
    const sessionDir = join(work, "iterate-off-session");
    const run = await runCli(["run", iterate, "--no-tui", "--sandbox", "off", "--work-dir", workDir, "--session-dir", sessionDir, "--param", "maxAttempts=1"], {
      deadlineMs: 60_000,
    });
    expect(run.code, run.stderr).not.toBe(2);
    const shell = rowsOf(sessionDir)
      .filter((row) => row.event === "tool/permission")
      .map((row) => row.data as { tool: string; decision: string; rule: string; answer?: string })
      .filter((d) => d.tool === "shell_run");
    expect(shell[0]).toMatchObject({ decision: "deny" });
    expect(shell[0]!.rule).toContain("default: no sandbox → ask");
  });
});
