/**
 * Crash and resume of a whole fleet: the CLI runs the squad fixture (a lead conversation, then
 * four worker child sessions, two at a time) and is SIGKILLed at a published point (a progress
 * line on stderr); `run --resume` then finishes it. Children that had finished keep their outcome
 * and are not run again; children that were running resume from their own checkpoints; the shared
 * script is consumed exactly once per call across the whole fleet.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { killAtMarker, resultOf, rowsOf, runCli, scratch, type Row } from "../examples/harness.js";

const chart = "core/test/fleet/fixtures/squad";
const work = scratch("fleet-sigkill");

const manifestOf = (dir: string): { status: string; parentSessionId?: string } => JSON.parse(readFileSync(join(dir, "session.json"), "utf8"));
const turnsOf = (rows: Row[], event: string) => rows.filter((row) => row.event === event).map((row) => `${row.data.invokeId}#${row.data.turn}`);

function expectGapFree(rows: Row[], status = "done"): void {
  expect(rows.map((row) => row.seq)).toEqual(rows.map((_, index) => index + 1));
  expect(rows.at(-1)).toMatchObject({ event: "runner/done", data: { status } });
}

/** Child statuses the crash left, per trial (to show the trials covered both kinds). */
const seen: string[][] = [];

const markers = ["lead turn 1:", "crew-1/worker turn 1:", "crew-2/worker turn 3:", "crew-3/worker turn 2:", "crew-4/worker turn 3:"];

describe("fleet crash and resume", () => {
  it.each(markers.map((marker, trial) => [trial, marker]))(
    "trial %i: SIGKILL after %s, then --resume finishes every child exactly once",
    async (trial, marker) => {
      const dir = join(work, `session-${trial}`);
      await killAtMarker(["run", chart, "--no-tui", "--session-dir", dir], marker as string, { deadlineMs: 30_000 });
      expect(manifestOf(dir).status).toBe("running");

      // What the crash left: children that had finished, and their transcripts byte for byte.
      const childrenRoot = join(dir, "children");
      const before = new Map<string, { status: string; transcript: string }>();
      // The kill may land while a child's directory is being made: its manifest written, its
      // transcript not yet. Such a child has nothing to resume from and starts afresh.
      for (const id of existsSync(childrenRoot) ? readdirSync(childrenRoot) : []) {
        const childDir = join(childrenRoot, id);
        if (!existsSync(join(childDir, "session.json")) || !existsSync(join(childDir, "transcript.jsonl"))) continue;
        before.set(id, { status: manifestOf(childDir).status, transcript: readFileSync(join(childDir, "transcript.jsonl"), "utf8") });
      }

      seen.push([...before.values()].map((child) => child.status));

      const resumed = await runCli(["run", "--resume", dir, "--no-tui"], { deadlineMs: 30_000 });
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resultOf(resumed)).toMatchObject({ status: "done", finalConfig: ["done"] });
      expect(readFileSync(join(dir, "artifacts/sum.txt"), "utf8")).toBe("20 from crew-1:done,crew-2:done,crew-3:done,crew-4:done\n");

      const parent = rowsOf(dir);
      expectGapFree(parent);
      expect(
        turnsOf(
          parent.filter((row) => !row.data.childSessionId),
          "llm/response",
        ),
      ).toEqual(["lead#1"]);
      const done = parent.filter((row) => row.event === "runner/event-processed" && row.data.event === "xstate.done.actor.crew");
      expect(done).toHaveLength(1);
      expect(
        done[0]!.data.eventData.output.map((r: { childSessionId: string; status: string; output: { n: number; steps: number } }) => [
          r.childSessionId,
          r.status,
          r.output.n,
          r.output.steps,
        ]),
      ).toEqual([
        ["crew-1", "done", 1, 3],
        ["crew-2", "done", 2, 3],
        ["crew-3", "done", 3, 3],
        ["crew-4", "done", 4, 3],
      ]);

      expect(readdirSync(childrenRoot).sort()).toEqual(["crew-1", "crew-2", "crew-3", "crew-4"]);
      for (const id of ["crew-1", "crew-2", "crew-3", "crew-4"]) {
        const childDir = join(childrenRoot, id);
        const rows = rowsOf(childDir);
        expectGapFree(rows);
        expect(manifestOf(childDir)).toMatchObject({ status: "done", parentSessionId: `session-${trial}` });
        expect(rows.filter((row) => row.event === "llm/error")).toEqual([]);
        // Every turn answered once; a request the crash cut off was issued again and marked.
        expect(turnsOf(rows, "llm/response")).toEqual(["worker#1", "worker#2", "worker#3"]);
        const requests = turnsOf(rows, "llm/request");
        for (const turn of turnsOf(rows, "llm/turn-interrupted")) requests.splice(requests.indexOf(turn), 1);
        expect(requests).toEqual(["worker#1", "worker#2", "worker#3"]);
        const earlier = before.get(id);
        if (earlier && earlier.status !== "running") {
          // Finished before the crash: not run again, not touched.
          expect(readFileSync(join(childDir, "transcript.jsonl"), "utf8")).toBe(earlier.transcript);
        }
        if (earlier?.status === "running") expect(rows.filter((row) => row.event === "runner/started").map((row) => row.data.resumed)).toEqual([false, true]);
      }
    },
    60_000,
  );

  it("the trials crashed with children running and with children finished", () => {
    expect(seen.flat()).toContain("running");
    expect(seen.flat()).toContain("done");
    expect(seen.some((statuses) => statuses.includes("running") && statuses.includes("done"))).toBe(true);
  });
});
