import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import relay from "../engine/fixtures/relay/chart.js";
import { main } from "../../src/cli/main.js";
import type { CliIo } from "../../src/cli/cli-io.js";
import { runChart } from "../../src/engine/runner.js";
import { scriptedModel } from "../../src/llm/index.js";
import type { CheckpointRecord } from "../../src/runtime/checkpoint-store.js";
import { sessionPaths } from "../../src/runtime/session-dir.js";
import { SessionError } from "../../src/runtime/session-error.js";
import { locateRepairTarget, repairSession, type RepairReport } from "../../src/sessions/repair-session.js";

const script = JSON.parse(readFileSync(join(import.meta.dirname, "../engine/fixtures/relay/script.json"), "utf8"));
const work = mkdtempSync(join(tmpdir(), "escapement-repair-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Row {
  seq: number;
  event: string;
  data: Record<string, any>;
}

const rowsOf = (dir: string): Row[] =>
  readFileSync(sessionPaths(dir).transcript, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Row);

const recordsOf = (dir: string): CheckpointRecord[] =>
  readFileSync(sessionPaths(dir).checkpoints.journal, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as CheckpointRecord);

const manifestOf = (dir: string): Record<string, unknown> => JSON.parse(readFileSync(sessionPaths(dir).manifest, "utf8")) as Record<string, unknown>;

/** A finished run of the relay chart: several model turns, io blobs, a dozen checkpoints. */
let base: string;
let count = 0;

beforeAll(async () => {
  const result = await runChart({ chart: relay, model: scriptedModel(script), sessionDir: join(work, "base"), cwd: work });
  expect(result.status).toBe("done");
  base = result.sessionDir;
}, 20_000);

/**
 * The base session as a process killed mid-run leaves it: the transcript ends half-way through a row
 * past the journal's last whole record, which is followed by half of the next one; the manifest says
 * running.
 */
function crashed(): { dir: string; last: CheckpointRecord } {
  const dir = join(work, `case-${++count}`);
  cpSync(base, dir, { recursive: true });
  const paths = sessionPaths(dir);
  const records = recordsOf(base);
  const keep = records.findIndex((record) => record.seq >= 14);
  const next = records[keep + 1]!;
  const journal = readFileSync(paths.checkpoints.journal, "utf8").split("\n");
  writeFileSync(paths.checkpoints.journal, `${journal.slice(0, keep + 1).join("\n")}\n${journal[keep + 1]!.slice(0, 40)}`);
  truncateSync(paths.transcript, next.offset + 30);
  writeFileSync(
    paths.manifest,
    readFileSync(paths.manifest, "utf8")
      .replace(/"status": "done"/, '"status": "running"')
      .replace(/,\s*"endedAt": \d+/, ""),
  );
  return { dir, last: records[keep]! };
}

const resume = (dir: string) => runChart({ chart: relay, model: scriptedModel(script), resume: dir, cwd: work });

/** The resumed run reached the relay's end, the transcript is gap-free and holds every turn. */
async function expectResumesToDone(dir: string): Promise<void> {
  const result = await resume(dir);
  expect(result).toMatchObject({ status: "done", finalConfig: ["done"] });
  const rows = rowsOf(dir);
  expect(rows.map((row) => row.seq)).toEqual(rows.map((_, index) => index + 1));
  expect(rows.filter((row) => row.event === "runner/done")).toHaveLength(1);
  expect(rows.at(-1)).toMatchObject({ event: "runner/done", data: { status: "done" } });
  const answered = new Set(rows.filter((row) => row.event === "llm/response").map((row) => `${row.data.invokeId}#${row.data.turn}`));
  expect([...answered].sort()).toEqual(["first#1", "first#2", "first#3", "first#4", "second#1", "second#2"]);
}

/** Nothing was deleted: what a file lost is in the repair folder, byte for byte. */
function expectKeptAside(report: RepairReport, dir: string, original: string, name: string): void {
  const now = readFileSync(join(dir, name));
  const aside = readFileSync(join(report.asideDir!, name));
  expect(Buffer.concat([now, aside]).equals(readFileSync(join(original, name)))).toBe(true);
}

describe("escapement repair", () => {
  it("a torn last line: keeps every whole row, sets the torn bytes aside, and the session resumes to done", async () => {
    const { dir } = crashed();
    const before = join(work, `before-${count}`);
    cpSync(dir, before, { recursive: true });
    const report = repairSession(dir);
    expect(report).toMatchObject({ changed: true, status: "interrupted", resumable: true });
    expect(report.actions.join("\n")).toMatch(/transcript\.jsonl: its last line is torn/);
    expect(report.actions.join("\n")).toMatch(/checkpoints\.jsonl: kept \d+ record\(s\); set aside a torn last line/);
    expectKeptAside(report, dir, before, "transcript.jsonl");
    expect(readFileSync(join(report.asideDir!, "checkpoints.jsonl"))).toEqual(readFileSync(join(before, "checkpoints.jsonl")));
    expect(readFileSync(join(report.asideDir!, "repair.txt"), "utf8")).toContain("transcript.jsonl");
    expect(manifestOf(dir)).toMatchObject({ status: "interrupted" });
    await expectResumesToDone(dir);
  });

  it("a line inserted before the checkpoint: keeps the rows before it, falls back to an older checkpoint", async () => {
    const { dir, last } = crashed();
    const paths = sessionPaths(dir);
    const text = readFileSync(paths.transcript, "utf8");
    const at = text.split("\n").slice(0, 6).join("\n").length + 1;
    writeFileSync(paths.transcript, `${text.slice(0, at)}${text.slice(0, text.indexOf("\n") + 1)}${text.slice(at)}`);
    await expect(resume(dir)).rejects.toThrow(/escapement repair/);
    const report = repairSession(dir);
    expect(report.keptSeq).toBe(6);
    expect(report.actions.join("\n")).toMatch(/row 7 is missing \(the next line holds seq 1\)/);
    expect(report.resumeFrom!.seq).toBeLessThanOrEqual(6);
    expect(report.resumeFrom!.seq).toBeLessThan(last.seq);
    await expectResumesToDone(dir);
  });

  it("the checkpoint's offset moved back 7 bytes: drops that checkpoint, resumes from the one before", async () => {
    const { dir, last } = crashed();
    const paths = sessionPaths(dir);
    const lines = readFileSync(paths.checkpoints.journal, "utf8").split("\n");
    const index = lines.findIndex((text) => text.startsWith(`{"seq":${last.seq},`));
    lines[index] = JSON.stringify({ ...JSON.parse(lines[index]!), offset: last.offset - 7 });
    writeFileSync(paths.checkpoints.journal, lines.join("\n"));
    await expect(resume(dir)).rejects.toThrow(/is not the end of a line.*escapement repair/);
    const report = repairSession(dir);
    expect(report.actions.join("\n")).toMatch(/dropped 1 \(not at the end of the row with its seq\)/);
    expect(report.resumeFrom!.seq).toBeLessThan(last.seq);
    await expectResumesToDone(dir);
  });

  it("io.jsonl deleted: reports the first row whose ref points into it, keeps the rows before, resumes from before any blob", async () => {
    const { dir } = crashed();
    rmSync(sessionPaths(dir).io);
    await expect(resume(dir)).rejects.toThrow(/io\.jsonl is missing.*escapement repair/);
    const report = repairSession(dir);
    const firstRef = rowsOf(base).find((row) => typeof row.data.ref === "string" && row.data.ref.startsWith("io.jsonl"))!;
    expect(report.actions.join("\n")).toContain(`row ${firstRef.seq} refers to io.jsonl bytes`);
    expect(report.actions.join("\n")).toContain("but io.jsonl is missing");
    expect(report.keptSeq).toBe(firstRef.seq - 1);
    expect(report.resumeFrom!.seq).toBeLessThan(firstRef.seq);
    await expectResumesToDone(dir);
  });

  it("io.jsonl truncated: rows whose payload is gone are cut, the torn blob is set aside", async () => {
    const { dir, last } = crashed();
    const paths = sessionPaths(dir);
    const before = join(work, `before-${count}`);
    truncateSync(paths.io, Math.floor(last.ioSize! / 2));
    cpSync(dir, before, { recursive: true });
    await expect(resume(dir)).rejects.toThrow(/io\.jsonl holds \d+ bytes, less than/);
    const report = repairSession(dir);
    expect(report.actions.join("\n")).toMatch(/refers to io\.jsonl bytes \d+\.\.\d+, which hold no payload/);
    expect(report.actions.join("\n")).toMatch(/io\.jsonl: set aside a torn last line/);
    expectKeptAside(report, dir, before, "io.jsonl");
    expect(report.resumeFrom!.seq).toBeLessThan(last.seq);
    await expectResumesToDone(dir);
  });

  it("session.json garbage: rebuilt from what is left of it and the transcript", async () => {
    const { dir } = crashed();
    const paths = sessionPaths(dir);
    const text = readFileSync(paths.manifest, "utf8");
    writeFileSync(paths.manifest, `${text.slice(0, text.indexOf('"createdAt"'))}\u0000\u0000#garbage`);
    await expect(resume(dir)).rejects.toThrow(/not valid JSON.*escapement repair/);
    const report = repairSession(dir);
    expect(report.actions.join("\n")).toMatch(/session\.json: not valid JSON; rebuilt from the transcript/);
    expect(manifestOf(dir)).toMatchObject({ sessionId: "base", chartId: "relay", status: "interrupted" });
    expect(readFileSync(join(report.asideDir!, "session.json"), "utf8")).toContain("#garbage");
    await expectResumesToDone(dir);
  });

  it("session.json null: rebuilt, the chart module is unknown", () => {
    const { dir } = crashed();
    writeFileSync(sessionPaths(dir).manifest, "null");
    const report = repairSession(dir);
    expect(report.actions.join("\n")).toMatch(/session\.json: not a session manifest; rebuilt from the transcript \(the chart module is unknown/);
    expect(manifestOf(dir)).toMatchObject({ sessionId: "base", chartId: "relay", chartModule: "", status: "interrupted" });
    expect(report.resumable).toBe(true);
  });

  it("a run stopped by a session-io error (status error): drops the checkpoint of the stopped chart, resumes from before", async () => {
    const { dir, last } = crashed();
    const paths = sessionPaths(dir);
    truncateSync(paths.transcript, last.offset);
    const ending = [
      { seq: last.seq + 1, ts: 1, event: "runner/error", data: { category: "session-io", message: "writing the session failed: ENOSPC" } },
      {
        seq: last.seq + 2,
        ts: 1,
        event: "runner/done",
        data: { finalConfig: ["first"], status: "error", error: { category: "session-io", message: "ENOSPC" } },
      },
    ];
    appendFileSync(paths.transcript, ending.map((row) => `${JSON.stringify(row)}\n`).join(""));
    const journal = readFileSync(paths.checkpoints.journal, "utf8");
    writeFileSync(
      paths.checkpoints.journal,
      `${journal.slice(0, journal.lastIndexOf("\n") + 1)}${JSON.stringify({ ...last, seq: last.seq + 2, offset: statSync(paths.transcript).size })}\n`,
    );
    writeFileSync(paths.manifest, readFileSync(paths.manifest, "utf8").replace('"running"', '"error"'));
    const report = repairSession(dir);
    expect(report).toMatchObject({ status: "interrupted", resumable: true, resumeFrom: { seq: last.seq } });
    expect(report.actions.join("\n")).toMatch(/dropped 1 \(written as the run stopped\)/);
    expect(report.actions.join("\n")).toMatch(/session\.json: status interrupted \(was error\)/);
    await expectResumesToDone(dir);
  });

  it("no checkpoint left: sets every row aside, so --resume starts the chart over", async () => {
    const { dir } = crashed();
    writeFileSync(sessionPaths(dir).checkpoints.journal, "");
    const report = repairSession(dir);
    expect(report).toMatchObject({ keptSeq: 0, resumable: true });
    expect(report.resumeFrom).toBeUndefined();
    expect(report.actions.join("\n")).toMatch(/no checkpoint matches rows 1\.\.\d+, so they were set aside too/);
    expect(statSync(sessionPaths(dir).transcript).size).toBe(0);
    await expectResumesToDone(dir);
  });

  it("a consistent finished session is left as it is, and said to be finished", () => {
    const dir = join(work, `case-${++count}`);
    cpSync(base, dir, { recursive: true });
    const report = repairSession(dir);
    expect(report).toMatchObject({ changed: false, status: "done", resumable: false });
    expect(report.blocker).toMatch(/the run finished \(status done\)/);
    expect(readdirSync(dir).some((name) => name.startsWith("repair-"))).toBe(false);
  });

  it("a finished run whose manifest still says running gets its final status", () => {
    const dir = join(work, `case-${++count}`);
    cpSync(base, dir, { recursive: true });
    writeFileSync(sessionPaths(dir).manifest, readFileSync(sessionPaths(dir).manifest, "utf8").replace('"done"', '"running"'));
    expect(repairSession(dir)).toMatchObject({ changed: true, status: "done", actions: ["session.json: status done (was running)"] });
    expect(manifestOf(dir)).toMatchObject({ status: "done" });
  });

  it("a second repair changes nothing", () => {
    const { dir } = crashed();
    repairSession(dir);
    const report = repairSession(dir);
    expect(report).toMatchObject({ changed: false, status: "interrupted", resumable: true, actions: [] });
  });

  it("refuses a path that is not a session", () => {
    const empty = mkdtempSync(join(work, "empty-"));
    expect(() => locateRepairTarget(empty, join(work, ".escapement"), work)).toThrow(SessionError);
    expect(() => locateRepairTarget("nope", join(work, ".escapement"), work)).toThrow(/is not a session/);
  });
});

function cliIo(cwd: string): CliIo & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (chunk) => (out += chunk));
  stderr.on("data", (chunk) => (err += chunk));
  const stdin = new PassThrough();
  stdin.end("");
  return { cwd, env: {}, stdin, stdout, stderr, stdoutIsTty: false, out: () => out, err: () => err };
}

describe("escapement repair <session> (CLI)", () => {
  it("prints what it did and what --resume will do; exit 0", async () => {
    const { dir } = crashed();
    const io = cliIo(work);
    expect(await main(["repair", dir], io)).toBe(0);
    expect(io.out()).toMatch(new RegExp(`^repaired session base \\(${dir}\\)\n`));
    expect(io.out()).toMatch(/everything cut or replaced was kept in .*repair-\d{8}-\d{6}/);
    expect(io.out()).toMatch(/resume: `escapement run --resume .*` continues from seq \d+\n$/);
    expect(io.err()).toBe("");
  });

  it("exit 2 with one line for a path that is not a session", async () => {
    const io = cliIo(work);
    expect(await main(["repair", join(work, "no-such-dir")], io)).toBe(2);
    expect(io.err().trim().split("\n")).toHaveLength(1);
    expect(io.err()).toMatch(/^escapement: .*is not a session/);
    expect(existsSync(join(work, "no-such-dir"))).toBe(false);
  });
});
