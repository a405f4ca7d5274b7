/**
 * run({ resume }): a host process that dies mid-run (SIGKILL while a model call is in flight)
 * leaves a session another run() picks up from its checkpoint; the new run's stream opens with
 * run-resumed and ends done.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PublicEvent } from "@escapement/wire-schema";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "../../src/index.js";
import { scriptedModel } from "../../src/llm/index.js";
import { readAllRows } from "../../src/runtime/index.js";
import { expectTranscriptInvariants } from "../chart/helpers.js";
import { expectValidEvents, repo, talkChart } from "./helpers.js";

mkdirSync(join(repo, "tmp"), { recursive: true });
const work = mkdtempSync(join(repo, "tmp", "lib-resume-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const host = (sessionDir: string): string => `
import { run } from ${JSON.stringify(join(repo, "core/src/index.ts"))};
import { scriptedModel } from ${JSON.stringify(join(repo, "core/src/llm/index.ts"))};
import { talkChart } from ${JSON.stringify(join(repo, "core/test/lib/fixtures/talk-chart.ts"))};

await run({
  chart: talkChart(),
  model: scriptedModel([{ firstTokenMs: 60_000, text: "never" }]),
  sessionDir: ${JSON.stringify(sessionDir)},
  onEvent: (event) => {
    if (event.type === "llm-request") console.log("requested");
  },
});
`;

/** Runs the host script; SIGKILLs it once it prints "requested". */
const runAndKill = (file: string): Promise<{ killed: boolean; stderr: string }> =>
  new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(repo, "node_modules/tsx/dist/cli.mjs"), file], { cwd: work, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    let killed = false;
    child.stdout.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("requested")) {
        killed = true;
        child.kill("SIGKILL");
      }
    });
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const deadline = setTimeout(() => {
      child.kill("SIGKILL");
      fail(new Error(`the host never reached its model call\n${stderr}`));
    }, 90_000);
    child.on("exit", () => {
      clearTimeout(deadline);
      done({ killed, stderr });
    });
  });

describe("run({ resume })", () => {
  it("continues a session whose host was killed mid-call; the stream opens with run-resumed", { timeout: 120_000 }, async () => {
    const sessionDir = join(work, "session");
    const file = join(work, "host.mts");
    writeFileSync(file, host(sessionDir));
    const first = await runAndKill(file);
    expect(first.killed, first.stderr).toBe(true);
    expect(JSON.parse(readFileSync(join(sessionDir, "session.json"), "utf8")).status).toBe("running");

    const events: PublicEvent[] = [];
    const result = await run({
      chart: talkChart(),
      model: scriptedModel([{ text: "back", events: [{ name: "finish", payload: {} }] }]),
      resume: sessionDir,
      onEvent: (event) => events.push(event),
    });
    expect(result).toMatchObject({ status: "done", finalConfig: ["done"], sessionId: "session", sessionDir });
    expectValidEvents(events);
    expect(events[0]).toMatchObject({ type: "run-resumed", chartId: "talk", runId: result.runId, sessionId: "session" });
    expect(events.some((event) => event.type === "run-started")).toBe(false);
    expect(events.at(-1)?.type).toBe("run-done");
    const rows = await readAllRows(result.transcriptPath);
    expectTranscriptInvariants(rows, result);
    const runIds = rows.filter((row) => row.event === "runner/started").map((row) => (row.data as { runId: string }).runId);
    expect(runIds).toHaveLength(2);
    expect(runIds[1]).toBe(result.runId);
    expect(runIds[0]).not.toBe(result.runId);
  });
});
