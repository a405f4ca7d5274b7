import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { setup } from "xstate";
import { z } from "zod";
import { beforeAll, describe, expect, it } from "vitest";
import { converse, inlineActors, tellLlm } from "../../src/chart/index.js";
import { scriptedModel } from "../../src/llm/index.js";
import { runChart } from "../../src/engine/runner.js";
import { createSummaryFolder, exportSession, importSession, listSessions, summarizeSession } from "../../src/sessions/index.js";
import { main } from "../../src/cli/main.js";
import type { CliIo } from "../../src/cli/cli-io.js";

const machine = setup({ actors: inlineActors }).createMachine({
  id: "two-turns",
  initial: "talk",
  states: {
    talk: {
      invoke: converse({
        id: "talker",
        message: "hi",
        realTools: [],
        allowedEvents: { "talk.done": { schema: z.object({}), description: "done" } },
      }),
      on: { "llm.idle": { actions: tellLlm("talker", "go on") }, "talk.done": "done" },
    },
    done: { type: "final" },
  },
});

let root: string;
let sessionDir: string;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "escapement-sessions-"));
  const model = scriptedModel([
    { text: "thinking", usage: { input: 100, output: 10, cacheRead: 5 } },
    { text: "ok", events: [{ name: "talk_done" }], usage: { input: 120, output: 20 } },
  ]);
  const result = await runChart({ chart: { id: "two-turns", machine }, model, sessionsRoot: join(root, ".escapement"), cwd: root });
  expect(result.status).toBe("done");
  sessionDir = result.sessionDir;
});

function io(stdin = ""): CliIo & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (chunk) => (out += chunk));
  stderr.on("data", (chunk) => (err += chunk));
  const input = new PassThrough();
  input.end(stdin);
  return { cwd: root, env: {}, stdin: input, stdout, stderr, stdoutIsTty: false, out: () => out, err: () => err };
}

describe("session summary", () => {
  it("folds usage, cost, latency and failures from rows", () => {
    const folder = createSummaryFolder({ sessionId: "s", chartId: "c", status: "done", createdAt: 0 });
    const row = (seq: number, event: string, data: unknown) => ({ seq, ts: seq, event, data });
    folder.add(
      row(1, "llm/response", { target: "a:x", usage: { input: 10, output: 5, cacheRead: 2, cacheWrite: 1 }, elapsedMs: 100, ttftMs: 10, costUsd: 0.5 }),
    );
    folder.add(row(2, "llm/response", { target: "b:y", usage: { input: 20, output: 5 }, elapsedMs: 300, costUsd: 0.25 }));
    folder.add(row(3, "llm/retry", {}));
    folder.add(row(4, "llm/model-down", {}));
    folder.add(row(5, "artifact/captured", { name: "draft" }));
    folder.add(row(6, "runner/done", { finalConfig: ["done"], status: "done" }));
    const summary = folder.result();
    expect(summary).toMatchObject({ turns: 2, costUsd: 0.75, retries: 1, failovers: 1, artifacts: ["draft"], finalConfig: ["done"] });
    expect(summary.tokens).toEqual({ input: 30, output: 10, cacheRead: 2, cacheWrite: 1 });
    expect(summary.byModel["a:x"]).toMatchObject({ turns: 1, costUsd: 0.5 });
    expect(summary.latencyMs).toMatchObject({ count: 2, p50: 100, max: 300 });
  });

  it("summarizes a real session and tolerates a torn last line", async () => {
    const copy = join(root, "torn");
    cpSync(sessionDir, copy, { recursive: true });
    appendFileSync(join(copy, "transcript.jsonl"), '{"seq":99,"ts":1,"ev');
    const summary = await summarizeSession(copy);
    expect(summary.turns).toBeGreaterThanOrEqual(1);
    expect(summary.unreadable).toHaveLength(1);
  });
});

describe("export and import", () => {
  it("round-trips a session byte for byte, without the wire token", async () => {
    writeFileSync(join(sessionDir, "wire.json"), JSON.stringify({ url: "ws://x", token: "secret-token" }));
    const out = join(root, "bundle.jsonl");
    await exportSession(sessionDir, out);
    expect(readFileSync(out, "utf8")).not.toContain("secret-token");
    const other = mkdtempSync(join(tmpdir(), "escapement-import-"));
    const imported = await importSession(out, other);
    expect(readFileSync(join(imported.dir, "transcript.jsonl"), "utf8")).toBe(readFileSync(join(sessionDir, "transcript.jsonl"), "utf8"));
    expect(existsSync(join(imported.dir, "wire.json"))).toBe(false);
    await expect(importSession(out, other)).rejects.toThrow(/already exists/);
  });

  it("refuses a truncated or edited export and leaves nothing behind", async () => {
    const out = join(root, "bundle2.jsonl");
    await exportSession(sessionDir, out);
    const lines = readFileSync(out, "utf8").trim().split("\n");
    const target = mkdtempSync(join(tmpdir(), "escapement-import-"));
    writeFileSync(join(root, "truncated.jsonl"), lines.slice(0, -2).join("\n"));
    await expect(importSession(join(root, "truncated.jsonl"), target)).rejects.toThrow(/truncated/);
    writeFileSync(join(root, "edited.jsonl"), lines.map((line, i) => (i === 1 ? line.replace(/"content":"/, '"content":"x') : line)).join("\n"));
    await expect(importSession(join(root, "edited.jsonl"), target)).rejects.toThrow(/digest/);
    writeFileSync(join(root, "escape.jsonl"), [lines[0], JSON.stringify({ path: "../evil", encoding: "utf8", content: "x" })].join("\n"));
    await expect(importSession(join(root, "escape.jsonl"), target)).rejects.toThrow(/unsafe file path/);
    expect(readdirSync(target)).toEqual([]);
  });
});

describe("a session whose model text holds U+2028 and U+2029 (JSON leaves them unescaped)", () => {
  let dir: string;
  beforeAll(async () => {
    const model = scriptedModel([{ text: "one\u2028two" }, { text: "three\u2029four", events: [{ name: "talk_done" }] }]);
    const result = await runChart({ chart: { id: "two-turns", machine }, model, sessionDir: join(root, "separators"), cwd: root });
    expect(result.status).toBe("done");
    dir = result.sessionDir;
    expect(readFileSync(join(dir, "transcript.jsonl"), "utf8")).toContain("\u2028");
  });

  it("show and stats read every row, none unreadable", async () => {
    const rows = readFileSync(join(dir, "transcript.jsonl"), "utf8").trim().split("\n");
    const cli = io();
    expect(await main(["show", dir], cli)).toBe(0);
    expect(
      cli
        .out()
        .split("\n")
        .filter((line) => line.startsWith("#")),
    ).toHaveLength(rows.length);
    expect(cli.out()).not.toContain("unreadable");
    const summary = await summarizeSession(dir);
    expect(summary).toMatchObject({ turns: 2, unreadable: [], status: "done", finalConfig: ["done"] });
  });

  it("export -> import round-trips it byte for byte", async () => {
    const out = join(root, "separators.jsonl");
    await exportSession(dir, out);
    const imported = await importSession(out, mkdtempSync(join(tmpdir(), "escapement-import-")));
    for (const file of ["transcript.jsonl", "io.jsonl", "cassette.jsonl", "checkpoints.jsonl"]) {
      expect(readFileSync(join(imported.dir, file), "utf8"), file).toBe(readFileSync(join(dir, file), "utf8"));
    }
  });
});

describe("CLI session commands", () => {
  it("list shows the session with its turns and tokens", async () => {
    const cli = io();
    expect(await main(["list"], cli)).toBe(0);
    expect(cli.out()).toMatch(/ID\s+CHART\s+STATUS\s+TURNS\s+TOKENS\s+COST\s+CREATED/);
    expect(cli.out()).toMatch(/two-turns\s+done\s+2\s+250/);
    expect(await listSessions(join(root, "nowhere"))).toEqual([]);
  });

  it("stats prints tokens by model and latency percentiles", async () => {
    const cli = io();
    expect(await main(["stats", sessionDir], cli)).toBe(0);
    expect(cli.out()).toMatch(/scripted\s+\d+/);
    expect(cli.out()).toMatch(/latency\s+p50/);
  });

  it("delete asks, and keeps the session unless the answer is yes", async () => {
    const copy = join(root, "to-delete");
    cpSync(sessionDir, copy, { recursive: true });
    const declined = io("n\n");
    expect(await main(["delete", copy], declined)).toBe(1);
    expect(existsSync(copy)).toBe(true);
    expect(await main(["delete", copy], io("y\n"))).toBe(0);
    expect(existsSync(copy)).toBe(false);
  });

  it("a missing session is a usage error naming it", async () => {
    const cli = io();
    expect(await main(["stats", "no-such-session"], cli)).toBe(2);
    expect(cli.err()).toContain('no session "no-such-session"');
  });
});
