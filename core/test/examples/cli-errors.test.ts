import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixtures, ofEvent, resultOf, rowsOf, runCli, scratch } from "./harness.js";

const work = scratch("cli-errors");
const rel = (path: string): string => join("core/test/examples/fixtures", path);

/** Exit 2 for bad input: one clear line on stderr, nothing on stdout, no session written. */
function expectUsageError(run: { code: number | null; stdout: string; stderr: string }, message: string | RegExp): void {
  expect(run.code, run.stderr).toBe(2);
  expect(run.stdout).toBe("");
  expect(run.stderr).toMatch(message);
}

describe("escapement run: bad input exits 2", () => {
  it("unknown flag", async () => {
    const run = await runCli(["run", "examples/hello", "--no-tui", "--bogus"]);
    expectUsageError(run, /unknown option '--bogus'/);
  });

  it("chart path that does not exist", async () => {
    const run = await runCli(["run", "examples/no-such-example", "--no-tui"]);
    expectUsageError(run, /chart not found: examples\/no-such-example/);
  });

  it("no chart at all", async () => {
    const run = await runCli(["run", "--no-tui"]);
    expectUsageError(run, /missing <chart>/);
  });

  it("a module that exports no machine", async () => {
    const run = await runCli(["run", rel("no-machine.ts"), "--no-tui"]);
    expectUsageError(run, /no-machine\.ts exports no machine/);
  });

  it("--input that is not valid JSON names the file", async () => {
    const run = await runCli(["run", "examples/hello", "--no-tui", "--input", rel("bad-input.json")]);
    expectUsageError(run, /--input core\/test\/examples\/fixtures\/bad-input\.json: .*JSON/);
  });

  it("--param without key=value", async () => {
    const run = await runCli(["run", "examples/hello", "--no-tui", "--param", "name"]);
    expectUsageError(run, /--param expects key=value/);
  });

  it("--resume of a session that does not exist", async () => {
    const run = await runCli(["run", "--resume", "no-such-session", "--no-tui"], { cwd: work });
    expectUsageError(run, /no session "no-such-session"/);
    expect(existsSync(join(work, ".escapement"))).toBe(false);
  });
});

describe("escapement run: chart bugs exit 1 with a categorized error", () => {
  it.each([
    ["unknown-alias", /unknown alias "nonexistent"/],
    ["unknown-tool", /unknown tool "teleport"/],
  ])("%s", async (name, message) => {
    const sessionDir = join(work, name);
    const run = await runCli(["run", join(fixtures, name), "--no-tui", "--session-dir", sessionDir]);
    expect(run.code, run.stderr).toBe(1);
    expect(resultOf(run)).toMatchObject({ status: "error", error: { category: name } });
    const rows = rowsOf(sessionDir);
    expect(ofEvent(rows, "runner/error")[0]?.data).toMatchObject({ category: name, message: expect.stringMatching(message) });
    expect(rows.at(-1)).toMatchObject({ event: "runner/done", data: { status: "error", error: { category: name } } });
    // Caught before any model call.
    expect(ofEvent(rows, "llm/request")).toEqual([]);
  });

  it("a chart whose entry action throws", async () => {
    const sessionDir = join(work, "entry-throws");
    const run = await runCli(["run", join(fixtures, "entry-throws"), "--no-tui", "--session-dir", sessionDir]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("entry action exploded on purpose");
    expect(resultOf(run)).toMatchObject({ status: "error", error: { message: "entry action exploded on purpose" } });
    const rows = rowsOf(sessionDir);
    expect(rows.map((row) => row.seq)).toEqual(rows.map((_, index) => index + 1));
    expect(rows.at(-1)).toMatchObject({ event: "runner/done", data: { status: "error" } });
    expect(readdirSync(sessionDir)).toContain("session.json");
  });
});
