/**
 * No orphans: however the core of a live run in the terminal UI goes (its terminal closed, the
 * core killed with SIGKILL), none of the run's processes outlives it, and the session can be
 * resumed. A real tmux terminal, the real core and the real Bun sidecar.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { rowsIn, hasTmux, killPanes, openPane, until, waitForFile, type Pane } from "./tmux.js";

const repo = resolve(import.meta.dirname, "../..");
const work = mkdtempSync(join(tmpdir(), "escapement-orphans-"));
const panes: Pane[] = [];

afterEach(() => {
  for (const pane of panes.splice(0)) pane.kill();
});
afterAll(() => {
  killPanes();
  rmSync(work, { recursive: true, force: true });
});

/** Every process whose command line names the session directory: the core and its sidecar, with their pids. */
const processesOf = (session: string): string[] => {
  try {
    return execFileSync("pgrep", ["-a", "-f", "--", `--session-dir ${session}( |$)`], { encoding: "utf8" })
      .split("\n")
      .filter((line) => line.trim() !== "");
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
};

/** A live run of the slow fixture chart in the terminal UI: the name answered, the first model turn streaming. */
const liveRun = async (name: string) => {
  const session = join(work, name);
  const transcript = join(session, "transcript.jsonl");
  const pane = openPane(name, { cwd: repo });
  panes.push(pane);
  pane.run(`node core/bin/escapement.mjs run tests/sidecar/fixture --session-dir ${session}; echo EXIT=$?`);
  await pane.waitForScreen("Who is this run for?", "the name prompt in the TUI", 30_000);
  pane.type("Ada");
  pane.keys("Enter");
  await waitForFile(transcript, () => rowsIn(transcript).some((row) => row.event === "llm/request"), "the first model call", 20_000);
  // Both processes are up: the core and the sidecar.
  await until(
    () => processesOf(session).length >= 2,
    "the core and the sidecar",
    10_000,
    () => processesOf(session).join("\n"),
  );
  return { pane, session, transcript };
};

const resume = (session: string, answers: string) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    const child = spawn(process.execPath, ["core/bin/escapement.mjs", "run", "--resume", session, "--no-tui"], { cwd: repo, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.stdin.end(answers);
    child.on("exit", (code) => done({ code, stdout, stderr }));
  });

// These need a real terminal (tmux) and Bun; without tmux they are skipped, loudly.
describe.skipIf(!hasTmux)("no process of a run outlives its core", () => {
  it("closing the terminal (tmux kill-session) mid-run: nothing of ours is left after 3 s, and the session resumes", async () => {
    const { pane, session, transcript } = await liveRun("hangup");
    pane.kill();
    await until(
      () => processesOf(session).length === 0,
      "every process of the run to be gone",
      3_000,
      () => processesOf(session).join("\n"),
    );
    const rows = rowsIn(transcript);
    expect(rows.at(-1)).toMatchObject({ event: "runner/done", data: { status: "aborted" } });
    expect(JSON.parse(readFileSync(join(session, "session.json"), "utf8"))).toMatchObject({ status: "interrupted" });
    expect(existsSync(join(session, "run.lock"))).toBe(false);
    const resumed = await resume(session, "y\n");
    expect(resumed.stderr).toMatch(/resumed steps/);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout.trim())).toMatchObject({ status: "done", finalConfig: ["accepted"] });
  });

  it("the core killed with SIGKILL mid-run: the sidecar follows it within 3 s", async () => {
    const { pane, session } = await liveRun("sigkill");
    const core = processesOf(session).find((line) => line.includes("core/bin/escapement.mjs"));
    expect(core).toBeDefined();
    process.kill(Number(core!.split(" ")[0]), "SIGKILL");
    await until(
      () => processesOf(session).length === 0,
      "the sidecar to exit after its core",
      3_000,
      () => processesOf(session).join("\n"),
    );
    // The shell printed its EXIT line on the UI's alternate screen, gone with it: ask again.
    pane.run("echo AFTER=$?");
    await pane.waitForScreen(/AFTER=\d+/, "the shell's prompt after the killed core");
  });
});
