import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { chartEvents, expectScriptConsumed, expectWellFormed, ofEvent, repo, resultOf, rowsOf, runCli, scratch } from "./harness.js";

const work = scratch("parallel");

describe("examples/parallel", () => {
  it("runs two conversations at once and joins them with onDone", async () => {
    const sessionDir = join(work, "session");
    const run = await runCli(["run", "examples/parallel", "--no-tui", "--session-dir", sessionDir]);
    expect(run.code, run.stderr).toBe(0);
    expect(resultOf(run)).toMatchObject({ status: "done", finalConfig: ["done"] });

    const rows = rowsOf(sessionDir);
    expectWellFormed(rows);
    expectScriptConsumed(join(repo, "examples/parallel"), rows);
    expect(ofEvent(rows, "runner/start-config")[0]?.data.config).toEqual(["work", "work.left", "work.left.drafting", "work.right", "work.right.drafting"]);

    // Both conversations were live at the same time: both started before either ended.
    const started = ofEvent(rows, "llm/conversation-started");
    const ended = ofEvent(rows, "llm/conversation-ended");
    expect(started.map((row) => [row.data.invokeId, row.data.stateId])).toEqual([
      ["namer", "work.left.drafting"],
      ["copywriter", "work.right.drafting"],
    ]);
    expect(Math.max(...started.map((row) => row.seq))).toBeLessThan(Math.min(...ended.map((row) => row.seq)));

    // The copywriter answers faster (see script.json), so the right region finishes first;
    // the join waits for the left one.
    expect(chartEvents(rows)).toEqual(["tagline.proposed", "name.proposed"]);
    const [tagline, name] = ofEvent(rows, "runner/event-processed");
    expect(tagline?.data).toMatchObject({ entered: ["work.right.done"], exited: ["work.right.drafting"] });
    expect(tagline?.data.after).toContain("work.left.drafting");
    expect(name?.data).toMatchObject({ after: ["done"] });
    expect(readFileSync(join(sessionDir, "artifacts/pitch.txt"), "utf8")).toBe("Perpetual Tick: Wind it never. Trust it always.\n");
  });
});
