import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const repo = resolve(import.meta.dirname, "../../..");
const cli = join(repo, "core/bin/escapement.mjs");
const chart = join(repo, "core/test/engine/fixtures/relay");
const work = mkdtempSync(join(tmpdir(), "escapement-sigkill-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Row {
  seq: number;
  event: string;
  data: Record<string, any>;
}

const rowsOf = (dir: string): Row[] =>
  readFileSync(join(dir, "transcript.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Row);

/** Runs the CLI; kills it with SIGKILL after `killAfterMs` unless it ends first. */
function runCli(args: string[], killAfterMs?: number): Promise<{ code: number | null; killed: boolean; stdout: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: repo, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.resume();
    let killed = false;
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => ((killed = true), child.kill("SIGKILL")), killAfterMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      done({ code, killed, stdout });
    });
  });
}

// Deterministic "random" kill points spread over the whole run (startup ~700 ms, run ~1.7 s).
const killPoints = Array.from({ length: 20 }, (_, trial) => 500 + ((trial * 137) % 1900));

describe("crash and resume", () => {
  it.each(killPoints.map((ms, trial) => [trial, ms]))(
    "trial %i: SIGKILL after %i ms, then --resume reaches the same end with a clean transcript",
    async (trial, killAfterMs) => {
      const dir = join(work, `session-${trial}`);
      const first = await runCli(["run", chart, "--no-tui", "--session-dir", dir], killAfterMs);
      if (!first.killed) expect(first.code).toBe(0);
      if (first.killed && existsSync(join(dir, "session.json"))) {
        const manifest = JSON.parse(readFileSync(join(dir, "session.json"), "utf8")) as { status: string };
        if (manifest.status === "running") {
          const resumed = await runCli(["run", "--resume", dir, "--no-tui"]);
          expect(resumed.code).toBe(0);
          expect(JSON.parse(resumed.stdout)).toMatchObject({ status: "done", finalConfig: ["done"] });
        }
      }
      if (!existsSync(join(dir, "transcript.jsonl"))) return; // killed before the session existed
      const rows = rowsOf(dir);
      expect(rows.map((row) => row.seq)).toEqual(rows.map((_, index) => index + 1));
      expect(rows.at(-1)).toMatchObject({ event: "runner/done", data: { status: "done", finalConfig: ["done"] } });
      const turns = (event: string) => rows.filter((row) => row.event === event).map((row) => `${row.data.invokeId}#${row.data.turn}`);
      const expected = ["first#1", "first#2", "first#3", "first#4", "second#1", "second#2"];
      expect(turns("llm/response")).toEqual(expected);
      // A request the crash cut off is re-issued after the resume, and marked as interrupted.
      const interrupted = turns("llm/turn-interrupted");
      const requests = turns("llm/request");
      for (const turn of interrupted) requests.splice(requests.indexOf(turn), 1);
      expect(requests).toEqual(expected);
      // The three internal `step.taken` transitions all reached the chart exactly once.
      expect(rows.filter((row) => row.event === "runner/event-processed" && row.data.event === "step.taken")).toHaveLength(3);
    },
    30_000,
  );
});
