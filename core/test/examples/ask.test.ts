import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { chartEvents, expectScriptConsumed, expectWellFormed, killAtMarker, ofEvent, repo, resultOf, rowsOf, runCli, scratch } from "./harness.js";

const work = scratch("ask");

describe("examples/ask", () => {
  it("asks text, select and confirm on stdin and ends sent", async () => {
    const sessionDir = join(work, "sent");
    const run = await runCli(["run", "examples/ask", "--no-tui", "--session-dir", sessionDir], { input: "Ada\n2\ny\n" });
    expect(run.code, run.stderr).toBe(0);
    expect(resultOf(run)).toMatchObject({ status: "done", finalConfig: ["sent"] });

    const rows = rowsOf(sessionDir);
    expectWellFormed(rows);
    expectScriptConsumed(join(repo, "examples/ask"), rows);

    const requested = ofEvent(rows, "human-input/requested");
    expect(requested.map((row) => [row.data.promptId, row.data.kind])).toEqual([
      ["name", "text"],
      ["tone", "select"],
      ["approve", "confirm"],
    ]);
    expect(requested[1]?.data.options.map((option: { value: string }) => option.value)).toEqual(["formal", "friendly", "pirate"]);
    expect(requested[2]?.data.message).toBe("Send this greeting?\n  Hi Ada, so glad you're here!");
    // "2" picked the second option; "y" became a boolean.
    expect(ofEvent(rows, "human-input/answered").map((row) => row.data.value)).toEqual(["Ada", "friendly", true]);
    expect(chartEvents(rows, { includeXstate: true })).toEqual(["xstate.done.actor.name", "xstate.done.actor.tone", "llm.idle", "xstate.done.actor.approve"]);
  });

  it("rejects an answer outside the options and asks again", async () => {
    const sessionDir = join(work, "retry");
    const run = await runCli(["run", "examples/ask", "--no-tui", "--session-dir", sessionDir], { input: "Ada\nloud\n2\ny\n" });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain("not a valid answer");
    expect(ofEvent(rowsOf(sessionDir), "human-input/answered").map((row) => row.data.value)).toEqual(["Ada", "friendly", true]);
  });

  it("ends in cancelled when stdin ends before the select is answered", async () => {
    const sessionDir = join(work, "cancelled");
    const run = await runCli(["run", "examples/ask", "--no-tui", "--session-dir", sessionDir], { input: "Ada\n" });
    expect(run.code, run.stderr).toBe(0);
    expect(resultOf(run)).toMatchObject({ status: "done", finalConfig: ["cancelled"] });
    const rows = rowsOf(sessionDir);
    expectWellFormed(rows);
    expect(ofEvent(rows, "human-input/cancelled").map((row) => row.data.promptId)).toEqual(["tone"]);
    expect(ofEvent(rows, "llm/request")).toEqual([]);
  });

  it("resumes after a crash at an open prompt and asks it again", async () => {
    const sessionDir = join(work, "crashed");
    // Killed while the select waits for its answer (its prompt text is on stderr).
    await killAtMarker(["run", "examples/ask", "--no-tui", "--session-dir", sessionDir], "(number or value)", { input: "Ada\n" });
    expect(JSON.parse(readFileSync(join(sessionDir, "session.json"), "utf8"))).toMatchObject({ status: "running" });

    const run = await runCli(["run", "--resume", sessionDir, "--no-tui"], { input: "2\ny\n" });
    expect(run.code, run.stderr).toBe(0);
    expect(resultOf(run)).toMatchObject({ status: "done", finalConfig: ["sent"] });

    const rows = rowsOf(sessionDir);
    expectWellFormed(rows);
    expect(ofEvent(rows, "runner/started").map((row) => row.data.resumed)).toEqual([false, true]);
    // The name answered before the crash is not asked again; the open select is.
    expect(ofEvent(rows, "human-input/requested").map((row) => row.data.promptId)).toEqual(["name", "tone", "tone", "approve"]);
    expect(ofEvent(rows, "human-input/answered").map((row) => row.data.value)).toEqual(["Ada", "friendly", true]);
    expect(ofEvent(rows, "llm/request")).toHaveLength(1);
  });
});
