import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readBlob } from "../../src/runtime/index.js";
import { chartEvents, expectWellFormed, ofEvent, repo, resultOf, rowsOf, runCli, scratch, type Row } from "./harness.js";

const work = scratch("haiku-tournament");
const example = join(repo, "examples/haiku-tournament");

const winner = `# Haiku tournament: first snow

**Winner: poet 2 (romantic)** with 18 points from 2 judges.

> **Your Footprints**
>
> your footprints in snow
> I walk inside them slowly
> warming each one twice

| poet | style | title | judge 1 | judge 2 | total |
|---|---|---|---|---|---|
| 2 | romantic | Your Footprints | 9 | 9 | 18 |
| 1 | minimalist | Hush | 7 | 8 | 15 |
| 3 | modernist | Static | 8 | 6 | 14 |

Ladies and gentlemen, the snow has settled and so have the judges! With 18 points, poet 2, our romantic, takes the crown for "Your Footprints": a haiku that walks inside someone else's steps and warms each one twice. Hats off to our minimalist and our modernist, who made the judges' task a hard and happy one.
`;

const children = ["judges-1", "judges-2", "poets-1", "poets-2", "poets-3"];

/** Everything a finished tournament session must show, however its model answered. */
function expectTournament(sessionDir: string): Row[] {
  const rows = rowsOf(sessionDir);
  expectWellFormed(rows);
  expect(ofEvent(rows, "llm/error")).toEqual([]);
  expect(chartEvents(rows)).toEqual(["tournament.planned", "llm.idle"]);
  expect(ofEvent(rows, "runner/event-processed").map((row) => row.data.event)).toEqual([
    "tournament.planned",
    "xstate.done.actor.poets",
    "xstate.done.actor.judges",
    "llm.idle",
  ]);
  expect(readFileSync(join(sessionDir, "artifacts/winner.md"), "utf8")).toBe(winner);

  // The children: listed in the parent's transcript, each a finished session of its own under children/.
  expect(ofEvent(rows, "session/child-started").map((row) => [row.data.childSessionId, row.data.chartId, row.data.parentInvokeId])).toEqual([
    ["poets-1", "poet", "poets"],
    ["poets-2", "poet", "poets"],
    ["poets-3", "poet", "poets"],
    ["judges-1", "judge", "judges"],
    ["judges-2", "judge", "judges"],
  ]);
  expect(ofEvent(rows, "session/child-done").map((row) => row.data.status)).toEqual(["done", "done", "done", "done", "done"]);
  expect(readdirSync(join(sessionDir, "children")).sort()).toEqual(children);
  for (const id of children) {
    const childDir = join(sessionDir, "children", id);
    const childRows = rowsOf(childDir);
    expectWellFormed(childRows);
    expect(childRows[0]!.data).toMatchObject({ sessionId: id, parentSessionId: rows[0]!.data.sessionId });
    expect(ofEvent(childRows, "llm/response")).toHaveLength(1);
    // Mirrored into the parent, so the parent's renderers show the child's conversation.
    const invokeId = `${id}/${id.startsWith("poets") ? "poet" : "judge"}`;
    expect(ofEvent(rows, "llm/conversation-started").filter((row) => row.data.invokeId === invokeId)).toHaveLength(1);
    const response = ofEvent(rows, "llm/response").find((row) => row.data.invokeId === invokeId)!;
    expect(readBlob(sessionDir, response.data.ref as string)).toBeDefined();
  }
  // The poets' outputs are the judges' inputs.
  const judged = JSON.parse(readFileSync(join(sessionDir, "children/judges-1/session.json"), "utf8")) as { input: { haikus: { title: string }[] } };
  expect(judged.input.haikus.map((h) => h.title)).toEqual(["Hush", "Your Footprints", "Static"]);
  return rows;
}

describe("examples/haiku-tournament", () => {
  it("runs end to end from the bundled cassette: a director sizes the fleets, poets and judges run as child sessions, the winner is an artifact", async () => {
    const sessionDir = join(work, "bundled");
    const run = await runCli(["run", "examples/haiku-tournament", "--no-tui", "--session-dir", sessionDir], { deadlineMs: 30_000 });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain("bundled cassette");
    expect(resultOf(run)).toMatchObject({ status: "done", finalConfig: ["done"] });
    expectTournament(sessionDir);
  });

  it("the bundled cassette alone replays the whole fleet (strict: any miss would stop the run)", async () => {
    const sessionDir = join(work, "strict");
    const run = await runCli(["run", "examples/haiku-tournament", "--no-tui", "--replay", join(example, "cassette.jsonl"), "--session-dir", sessionDir], {
      deadlineMs: 30_000,
    });
    expect(run.code, run.stderr).toBe(0);
    expectTournament(sessionDir);
  });

  it("the script reaches the same result, consumed exactly once across parent and children", async () => {
    const sessionDir = join(work, "script");
    const run = await runCli(["run", "examples/haiku-tournament", "--no-tui", "--script", join(example, "script.json"), "--session-dir", sessionDir], {
      deadlineMs: 30_000,
    });
    expect(run.code, run.stderr).toBe(0);
    const rows = expectTournament(sessionDir);
    // One model call per script step; the children's calls are keyed by their own state paths.
    const script = JSON.parse(readFileSync(join(example, "script.json"), "utf8")) as { byState: Record<string, unknown[]> };
    const perState: Record<string, number> = {};
    for (const row of ofEvent(rows, "llm/request")) {
      const state = String(row.data.stateId).split("/").pop()!;
      perState[state] = (perState[state] ?? 0) + 1;
    }
    expect(perState).toEqual(Object.fromEntries(Object.entries(script.byState).map(([state, steps]) => [state, steps.length])));
    // The recording is what the example ships: the same calls, in the same order.
    const recorded = (path: string) =>
      readFileSync(path, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { kind: string; key?: string })
        .filter((line) => line.kind === "call")
        .map((line) => line.key);
    expect(recorded(join(sessionDir, "cassette.jsonl")).sort()).toEqual(recorded(join(example, "cassette.jsonl")).sort());
  });
});
