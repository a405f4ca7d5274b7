import { mkdirSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { chartEvents, expectScriptConsumed, expectWellFormed, lastUserText, ofEvent, repo, requestOf, resultOf, rowsOf, runCli, scratch } from "./harness.js";

const work = scratch("iterate");
const chart = join(repo, "examples/iterate");

/** The coder writes into the run's working directory: give each run its own, never the checkout. */
function workDir(name: string): string {
  const dir = join(work, name, "work");
  mkdirSync(dir, { recursive: true });
  return dir;
}

describe("examples/iterate", () => {
  it("fails once, gets the failure back through tellLlm, fixes the code and passes", async () => {
    // As the README runs it: from the repository root, the files going to --work-dir.
    const dir = workDir("pass");
    const sessionDir = join(work, "pass", "session");
    const run = await runCli(["run", "examples/iterate", "--no-tui", "--session-dir", sessionDir, "--work-dir", dir]);
    expect(run.code, run.stderr).toBe(0);
    expect(resultOf(run)).toMatchObject({ status: "done", finalConfig: ["done"] });

    const rows = rowsOf(sessionDir);
    expectWellFormed(rows);
    expectScriptConsumed(chart, rows);
    expect(chartEvents(rows)).toEqual(["tests.failed", "tests.passed"]);

    // The tests really ran: exit code 1, then 0.
    const shell = ofEvent(rows, "llm/tool-result").filter((row) => row.data.name === "shell_run");
    expect(shell.map((row) => [row.data.isError, row.data.meta?.exitCode])).toEqual([
      [true, 1],
      [false, 0],
    ]);

    // The chart's message reached the very next turn, beside the event tool's result.
    const told = lastUserText(requestOf(sessionDir, rows, "coder", 3));
    expect(told).toContain("Attempt 1 of 3 failed: fizzbuzz(15) returned 'Fizz', expected 'FizzBuzz'");

    // The files landed in the working directory, fixed; nothing else was written there.
    expect(readdirSync(dir).sort()).toEqual(["fizzbuzz.mjs", "fizzbuzz.test.mjs"]);
    const code = readFileSync(join(dir, "fizzbuzz.mjs"), "utf8");
    expect(code.indexOf("n % 15 === 0")).toBeLessThan(code.indexOf("n % 3 === 0"));
  });

  it("gives up when the attempts run out (--param maxAttempts=1)", async () => {
    // Run from a scratch directory, which is then the working directory.
    const cwd = workDir("give-up");
    const sessionDir = join(work, "give-up", "session");
    const run = await runCli(["run", chart, "--no-tui", "--session-dir", sessionDir, "--param", "maxAttempts=1"], { cwd });
    // Giving up is a planned final state, so the run itself is done.
    expect(run.code, run.stderr).toBe(0);
    expect(resultOf(run)).toMatchObject({ status: "done", finalConfig: ["gaveUp"] });

    const rows = rowsOf(sessionDir);
    expectWellFormed(rows);
    expect(chartEvents(rows)).toEqual(["tests.failed"]);
    expect(ofEvent(rows, "llm/request")).toHaveLength(2);
    expect(ofEvent(rows, "llm/conversation-ended")[0]?.data).toMatchObject({ invokeId: "coder", reason: "exit" });
  });
});
