import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { chartEvents, expectScriptConsumed, expectWellFormed, ofEvent, repo, requestOf, resultOf, rowsOf, runCli, scratch } from "./harness.js";

const work = scratch("artifacts");
const draft =
  "An agent driven by a statechart can only do what its current state allows. " +
  "Every step it takes is an event the chart accepted, so a run can be replayed, " +
  "inspected and resumed instead of guessed at.";

describe("examples/artifacts", () => {
  it("captures the writer's draft and renders it into the critic's prompt", async () => {
    const sessionDir = join(work, "session");
    const run = await runCli(["run", "examples/artifacts", "--no-tui", "--session-dir", sessionDir]);
    expect(run.code, run.stderr).toBe(0);
    expect(resultOf(run)).toMatchObject({ status: "done", finalConfig: ["done"] });

    const rows = rowsOf(sessionDir);
    expectWellFormed(rows);
    expectScriptConsumed(join(repo, "examples/artifacts"), rows);
    expect(chartEvents(rows)).toEqual(["llm.idle", "llm.idle"]);

    expect(readFileSync(join(sessionDir, "artifacts/draft"), "utf8")).toBe(draft);
    const critique = readFileSync(join(sessionDir, "artifacts/critique"), "utf8");
    expect(critique).toMatch(/^Open with a concrete failure/);
    expect(ofEvent(rows, "artifact/captured").map((row) => [row.data.name, row.data.ref, row.data.bytes])).toEqual([
      ["draft", "artifacts/draft", Buffer.byteLength(draft)],
      ["critique", "artifacts/critique", Buffer.byteLength(critique)],
    ]);

    // The draft was captured before the critic started, and {{draft}} was filled in.
    const captured = ofEvent(rows, "artifact/captured")[0]!;
    const critic = ofEvent(rows, "llm/conversation-started").find((row) => row.data.invokeId === "critic")!;
    expect(captured.seq).toBeLessThan(critic.seq);
    const request = requestOf(sessionDir, rows, "critic", 1);
    expect(request.system).toBe(`You are an exacting editor. The draft under review:\n\n${draft}`);
  });
});
