import { mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setup } from "xstate";
import { describe, expect, it } from "vitest";
import { runChart } from "../../src/engine/runner.js";
import { SessionError } from "../../src/runtime/session-error.js";
import { scriptedModel } from "../../src/llm/index.js";

const machine = setup({}).createMachine({ id: "tiny", initial: "a", states: { a: { on: { go: "b" }, after: { 1: "b" } }, b: { type: "final" } } });
const chart = { id: "tiny", machine };
const model = () => scriptedModel([]);

describe("resume bad input", () => {
  it("refuses to resume a finished session, and leaves it untouched", async () => {
    const root = mkdtempSync(join(tmpdir(), "escapement-resume-"));
    const done = await runChart({ chart, model: model(), sessionDir: join(root, "s"), cwd: root });
    expect(done.status).toBe("done");
    const before = readFileSync(done.transcriptPath, "utf8");
    await expect(runChart({ chart, model: model(), resume: done.sessionDir, cwd: root })).rejects.toThrow(/already finished/);
    expect(readFileSync(done.transcriptPath, "utf8")).toBe(before);
  });

  it("refuses a missing session", async () => {
    const root = mkdtempSync(join(tmpdir(), "escapement-resume-"));
    const error = await runChart({ chart, model: model(), resume: "nope", cwd: root }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionError);
    expect((error as SessionError).code).toBe("session-missing");
  });

  it("refuses a malformed checkpoint and leaves the session untouched", async () => {
    const root = mkdtempSync(join(tmpdir(), "escapement-resume-"));
    const done = await runChart({ chart, model: model(), sessionDir: join(root, "s"), cwd: root });
    const manifestPath = join(done.sessionDir, "session.json");
    writeFileSync(manifestPath, readFileSync(manifestPath, "utf8").replace('"done"', '"running"'));
    writeFileSync(join(done.sessionDir, "checkpoints.jsonl"), "{broken\n");
    const before = readFileSync(done.transcriptPath, "utf8");
    const error = await runChart({ chart, model: model(), resume: done.sessionDir, cwd: root }).catch((e: unknown) => e);
    expect((error as SessionError).code).toBe("checkpoint-malformed");
    expect(readFileSync(done.transcriptPath, "utf8")).toBe(before);
  });

  it("refuses a session of another chart", async () => {
    const root = mkdtempSync(join(tmpdir(), "escapement-resume-"));
    const done = await runChart({ chart, model: model(), sessionDir: join(root, "s"), cwd: root });
    const manifestPath = join(done.sessionDir, "session.json");
    writeFileSync(manifestPath, readFileSync(manifestPath, "utf8").replace('"done"', '"running"'));
    const error = await runChart({ chart: { ...chart, id: "other" }, model: model(), resume: done.sessionDir, cwd: root }).catch((e: unknown) => e);
    expect((error as SessionError).code).toBe("chart-mismatch");
  });

  it("never overwrites an existing session directory", async () => {
    const root = mkdtempSync(join(tmpdir(), "escapement-resume-"));
    const done = await runChart({ chart, model: model(), sessionDir: join(root, "s"), cwd: root });
    const before = readFileSync(done.transcriptPath, "utf8");
    const error = await runChart({ chart, model: model(), sessionDir: join(root, "s"), cwd: root }).catch((e: unknown) => e);
    expect((error as SessionError).code).toBe("session-exists");
    expect(readFileSync(done.transcriptPath, "utf8")).toBe(before);
  });
});
