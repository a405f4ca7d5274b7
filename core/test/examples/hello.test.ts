import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { chartEvents, expectScriptConsumed, expectWellFormed, ofEvent, repo, resultOf, rowsOf, runCli, scratch } from "./harness.js";

const work = scratch("hello");

describe("examples/hello", () => {
  it("greets through one event tool and ends done", async () => {
    const sessionDir = join(work, "session");
    const run = await runCli(["run", "examples/hello", "--no-tui", "--session-dir", sessionDir]);
    expect(run.code, run.stderr).toBe(0);
    expect(resultOf(run)).toMatchObject({ status: "done", finalConfig: ["done"], sessionDir });

    const rows = rowsOf(sessionDir);
    expectWellFormed(rows);
    expectScriptConsumed(join(repo, "examples/hello"), rows);
    expect(chartEvents(rows)).toEqual(["greeting.done"]);
    expect(ofEvent(rows, "runner/event-processed")[0]?.data).toMatchObject({
      eventData: { greeting: "Hello, world! Lovely to meet you." },
      before: ["greeting"],
      after: ["done"],
    });
    expect(
      ofEvent(rows, "llm/delta")
        .map((row) => row.data.text)
        .join(""),
    ).toBe("Hello, world! Lovely to meet you.");
    expect(ofEvent(rows, "llm/tool-call")[0]?.data).toMatchObject({ name: "greeting_done", toolKind: "event" });
    // Progress goes to stderr, never stdout.
    expect(run.stderr).toContain("greeting.done → [done]");
  });

  it("takes chart input from --param", async () => {
    const sessionDir = join(work, "param");
    const run = await runCli(["run", "examples/hello", "--no-tui", "--session-dir", sessionDir, "--param", "name=Grace"]);
    expect(run.code, run.stderr).toBe(0);
    const request = ofEvent(rowsOf(sessionDir), "llm/request")[0];
    expect(request?.data.snippet).toContain("Greet Grace");
  });
});
