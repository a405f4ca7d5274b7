/** "Allow for this run" survives a crash: a resumed run reads the answers back from its transcript. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { grantKey, grantsIn } from "../../src/engine/run-permissions.js";
import { tempDir } from "../lib/helpers.js";

const row = (seq: number, event: string, data: Record<string, unknown>) => JSON.stringify({ seq, ts: 1_760_000_000_000 + seq, event, data });
const permission = (answer: string | undefined, target: string, extra: Record<string, unknown> = {}) => ({
  invokeId: "c",
  turn: 1,
  toolCallId: "call_1",
  tool: "shell_run",
  targetKind: "command",
  target,
  decision: answer === "deny" ? "deny" : "allow",
  rule: "r",
  ...(answer === undefined ? {} : { asked: true, answer }),
  ...extra,
});

describe("grantsIn", () => {
  it("keeps the run-long answers of this session, not once, deny or a child session's", async () => {
    const path = join(tempDir(), "transcript.jsonl");
    writeFileSync(
      path,
      [
        row(1, "runner/started", { sessionId: "s", runId: "r", chartId: "c", resumed: false }),
        row(2, "tool/permission", permission("run", "run `npm test`")),
        row(3, "tool/permission", permission("once", "run `ls`")),
        row(4, "tool/permission", permission("deny", "run `rm -rf /`")),
        row(5, "tool/permission", permission(undefined, "run `pwd`")),
        row(6, "tool/permission", permission("run", "run `make`", { childSessionId: "child-1" })),
      ].join("\n") + "\n",
    );
    expect(await grantsIn(path)).toEqual([grantKey("shell_run", "run `npm test`")]);
  });
});
