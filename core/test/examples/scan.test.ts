import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { chartEvents, expectScriptConsumed, expectWellFormed, ofEvent, repo, resultOf, rowsOf, runCli, scratch } from "./harness.js";

const work = scratch("scan");
const sample = "examples/scan/sample";

describe("examples/scan", () => {
  it("reads the sample files and fans out one event per TODO", async () => {
    const sessionDir = join(work, "session");
    const run = await runCli(["run", "examples/scan", "--no-tui", "--session-dir", sessionDir]);
    expect(run.code, run.stderr).toBe(0);
    expect(resultOf(run)).toMatchObject({ status: "done", finalConfig: ["done"] });

    const rows = rowsOf(sessionDir);
    expectWellFormed(rows);
    expectScriptConsumed(join(repo, "examples/scan"), rows);

    // Real tools ran for real, relative to the working directory (the repo root here).
    const results = ofEvent(rows, "llm/tool-result");
    expect(results.map((row) => [row.data.name, row.data.isError])).toEqual([
      ["fs_glob", false],
      ["fs_read", false],
      ["fs_read", false],
      ["fs_read", false],
    ]);
    expect(results[0]?.data.snippet).toContain(`${sample}/alpha.txt`);

    // Three internal transitions that keep the conversation alive, then the one that ends it.
    expect(chartEvents(rows)).toEqual(["todo.found", "todo.found", "todo.found", "scan.done"]);
    const found = ofEvent(rows, "runner/event-processed").filter((row) => row.data.event === "todo.found");
    for (const row of found) expect(row.data).toMatchObject({ before: ["scanning"], after: ["scanning"], entered: [], exited: [] });
    expect(found.map((row) => `${row.data.eventData.file}:${row.data.eventData.line}`)).toEqual([
      `${sample}/alpha.txt:4`,
      `${sample}/gamma.txt:4`,
      `${sample}/gamma.txt:6`,
    ]);
    expect(ofEvent(rows, "llm/conversation-started")).toHaveLength(1);
    const ended = ofEvent(rows, "llm/conversation-ended");
    expect(ended).toHaveLength(1);
    expect(ended[0]!.seq).toBeGreaterThan(found.at(-1)!.seq);

    // The context the chart accumulated, written out by the final state.
    expect(readFileSync(join(sessionDir, "artifacts/todos.md"), "utf8")).toBe(
      [
        "# 3 TODOs in 3 files",
        "",
        `- ${sample}/alpha.txt:4 write the migration note for the config rename`,
        `- ${sample}/gamma.txt:4 explain how to get test credentials`,
        `- ${sample}/gamma.txt:6 add a section on the release process`,
        "",
      ].join("\n"),
    );
  });
});
