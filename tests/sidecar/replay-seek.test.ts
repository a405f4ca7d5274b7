/**
 * `escapement open` in a real terminal: the playback waits for the UI, the header says where it
 * is, and the seek keys move it to the start, the end, and from llm turn to llm turn and from
 * state change to state change, backwards too.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hasTmux, killPanes, openPane, until } from "./tmux.js";

const repo = resolve(import.meta.dirname, "../..");
const cli = join(repo, "core/bin/escapement.mjs");
const work = mkdtempSync(join(tmpdir(), "escapement-replay-seek-"));
afterAll(() => {
  killPanes();
  rmSync(work, { recursive: true, force: true });
});

interface Row {
  seq: number;
  event: string;
}

describe.skipIf(!hasTmux)("seeking in a replay", () => {
  it("pauses, seeks to the end, the start, a typed row and between turns and state changes, with the header saying where", async () => {
    const id = "parallel-seek";
    const session = join(work, ".escapement", id);
    const recorded = spawnSync(process.execPath, [cli, "run", join(repo, "examples/parallel"), "--no-tui", "--session-dir", session], {
      cwd: repo,
      encoding: "utf8",
    });
    expect(recorded.status).toBe(0);
    const rows = readFileSync(join(session, "transcript.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Row);
    const last = rows.length;
    const turns = rows.filter((row) => row.event === "llm/request").map((row) => row.seq);
    expect(turns.length).toBeGreaterThanOrEqual(2);

    const pane = openPane("replay-seek", { cwd: work, width: 120, height: 40 });
    // By id, as `show` and `stats` take it: the session is under the working directory's `.escapement`.
    pane.run(`node ${cli} open ${id} --timing paced --interval 400; echo EXIT=$?`);
    const header = (pattern: RegExp, what: string, ms?: number) => pane.waitForScreen(pattern, what, ms);
    // The playback waits for the UI: the first rows are still to come when it shows.
    const first = await header(/▶ playing row (\d+)\/(\d+)/, "the playback in the header");
    const [, at, of] = /▶ playing row (\d+)\/(\d+)/.exec(first)!;
    expect(Number(of)).toBe(last);
    expect(Number(at)).toBeLessThan(last);

    pane.keys("p");
    await header(/⏸ PAUSED row \d+\/\d+/, "paused in the header");
    pane.keys(">");
    await header(new RegExp(`■ ended row ${last}/${last}`), "the end");
    await header(/\bdone\b/, "the run's outcome at the end");
    pane.keys("<");
    const start = await header(/⏸ PAUSED row 1\//, "paused at the start");
    // The stream started over: what came later is gone from the screen.
    expect(start).not.toMatch(/\bdone\b/);
    pane.keys("]");
    await header(new RegExp(`⏸ PAUSED row ${turns[0]}/`), "the first llm turn");
    pane.keys("]");
    await header(new RegExp(`⏸ PAUSED row ${turns[1]}/`), "the second llm turn");
    pane.keys("[");
    await header(new RegExp(`⏸ PAUSED row ${turns[0]}/`), "back to the first llm turn");
    pane.keys(":");
    await pane.waitForScreen(":▏  Enter go to row", "the row prompt in the footer");
    pane.type("3");
    pane.keys("Enter");
    await header(/⏸ PAUSED row 3\//, "row 3, typed after :");
    pane.keys("]");
    await header(new RegExp(`⏸ PAUSED row ${turns.find((seq) => seq > 3)}/`), "the first llm turn after row 3");
    pane.keys("[");
    await header(new RegExp(`⏸ PAUSED row ${turns[0]}/`), "back to the first llm turn");
    pane.keys("}");
    await until(() => {
      const row = Number(/⏸ PAUSED row (\d+)\//.exec(pane.screen())?.[1]);
      return row > turns[0]! && row < last;
    }, "the next state change, between the first turn and the end");
    pane.keys("c");
    await header(/▶ playing row \d+\//, "playing again");
    await header(new RegExp(`■ ended row ${last}/${last}`), "the end, played", 30_000);

    pane.keys("C-c");
    await pane.waitForScreen("EXIT=0", "open's exit code");
  }, 90_000);
});
