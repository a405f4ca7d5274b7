/**
 * SIGHUP (the terminal closed) ends a live run as SIGINT does, but leaves its session resumable:
 * through the real CLI, headless, so the core is the only process of the run.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { TranscriptRow } from "@escapement/wire-schema";
import { scratch, startCli } from "../examples/harness.js";
import { until } from "../wire/until.js";

const work = scratch("cli-hang-up");

const rowsOf = (session: string): TranscriptRow[] =>
  readFileSync(join(session, "transcript.jsonl"), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as TranscriptRow);

const manifestOf = (session: string) => JSON.parse(readFileSync(join(session, "session.json"), "utf8")) as { status: string };

describe("SIGHUP to a live run", () => {
  it("ends it recorded (runner/done), leaves the session interrupted, and --resume finishes it", async () => {
    const session = join(work, "hup");
    const run = startCli(["run", "examples/ask", "--no-tui", "--session-dir", session]);
    await until(() => run.err().includes("Who should we greet?"), "the first prompt", 20_000);
    run.child.stdin.write("Ada\n");
    await until(() => run.err().includes("Which tone for Ada?"), "the second prompt", 20_000);
    expect(existsSync(join(session, "run.lock"))).toBe(true);
    // A hang-up often comes more than once (the terminal, then the shell passing it on): a
    // repeat must not kill the run while it writes its ending. (Repeats stop once the ending is
    // written: while Node itself tears down, no process can catch a signal.)
    const hangUps = setInterval(() => {
      if (manifestOf(session).status === "interrupted") clearInterval(hangUps);
      else run.child.kill("SIGHUP");
    }, 1);
    const code = await run.exited.finally(() => clearInterval(hangUps));
    expect(code).toBe(130);
    expect(run.err()).not.toMatch(/\n\s+at /); // no stack trace
    const rows = rowsOf(session);
    expect(rows.at(-1)).toMatchObject({ event: "runner/done", data: { status: "aborted" } });
    expect(manifestOf(session).status).toBe("interrupted");
    expect(existsSync(join(session, "run.lock"))).toBe(false);

    const resumed = startCli(["run", "--resume", session, "--no-tui"]);
    resumed.child.stdin.end("friendly\ny\n");
    expect(await resumed.exited).toBe(0);
    expect(JSON.parse(resumed.out().trim())).toMatchObject({ status: "done", finalConfig: ["sent"] });
    expect(manifestOf(session).status).toBe("done");
    // The name given before the hang-up is kept: asked once in all.
    expect(
      rowsOf(session)
        .filter((row) => row.event === "human-input/answered")
        .map((row) => (row.data as { promptId: string }).promptId),
    ).toEqual(["name", "tone", "approve"]);
  });

  it("before the chart started (waiting for a renderer) there is nothing to resume: the session is aborted", async () => {
    const session = join(work, "hup-waiting");
    const run = startCli(["run", "examples/ask", "--listen", "127.0.0.1:0", "--no-spawn", "--wait-for-renderer=0", "--session-dir", session]);
    await until(() => run.err().includes("waiting for a renderer to attach"), "the wait for a renderer", 20_000);
    run.child.kill("SIGHUP");
    expect(await run.exited).toBe(130);
    expect(run.err()).not.toMatch(/\n\s+at /);
    expect(manifestOf(session).status).toBe("aborted");
  });

  it("SIGINT still ends the session for good (aborted, not resumable)", async () => {
    const session = join(work, "int");
    const run = startCli(["run", "examples/ask", "--no-tui", "--session-dir", session]);
    await until(() => run.err().includes("Who should we greet?"), "the first prompt", 20_000);
    run.child.kill("SIGINT");
    expect(await run.exited).toBe(130);
    expect(manifestOf(session).status).toBe("aborted");
  });
});
