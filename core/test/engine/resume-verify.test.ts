import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { prepareResume, resumeProblem } from "../../src/engine/run-session.js";
import { CheckpointStore, type CheckpointRecord } from "../../src/runtime/checkpoint-store.js";
import { IoStore } from "../../src/runtime/io-store.js";
import { createSessionDir, sessionPaths, type SessionManifest, type SessionStatus } from "../../src/runtime/session-dir.js";
import { SessionError } from "../../src/runtime/session-error.js";

const work = mkdtempSync(join(tmpdir(), "escapement-resume-verify-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let count = 0;

const line = (seq: number, event: string, data: Record<string, unknown> = {}): string => `${JSON.stringify({ seq, ts: 1000 + seq, event, data })}\n`;

interface Crafted {
  dir: string;
  /** The checkpoint the session resumes from (seq 4, after the model's response). */
  checkpoint: CheckpointRecord;
  /** The transcript as written, and its length up to the checkpoint. */
  transcript: string;
}

/**
 * A session as a crash leaves it: rows 1..4 (a model request and response with blobs in io.jsonl),
 * a checkpoint at row 4, then rows 5 and 6 and half of row 7 that no checkpoint covers.
 */
function crafted(status: SessionStatus = "running", options: { ioSize?: boolean } = {}): Crafted {
  const dir = join(work, `s${++count}`);
  const manifest: SessionManifest = { sessionId: `s${count}`, chartId: "c", chartModule: "", createdAt: 1, status };
  const paths = createSessionDir(dir, manifest);
  const io = new IoStore(dir);
  const request = io.put("talk-1-t1-request", { messages: ["hi"] });
  const response = io.put("talk-1-t1-response", { text: "hello" });
  const head =
    line(1, "runner/started", { sessionId: manifest.sessionId, chartId: "c" }) +
    line(2, "runner/start-config", { config: ["talk"] }) +
    line(3, "llm/request", { invokeId: "talk", stateId: "talk", turn: 1, ref: request }) +
    line(4, "llm/response", { invokeId: "talk", stateId: "talk", turn: 1, ref: response });
  writeFileSync(paths.transcript, head);
  const files = options.ioSize === false ? { journal: paths.checkpoints.journal, snapshot: paths.checkpoints.snapshot } : paths.checkpoints;
  const store = new CheckpointStore(files);
  store.write({ seq: 2, offset: Buffer.byteLength(head.split("\n").slice(0, 2).join("\n")) + 1, ts: 1, state: { value: "talk" }, timers: [] });
  const checkpoint: CheckpointRecord = { seq: 4, offset: Buffer.byteLength(head), ts: 2, state: { value: "talk" }, timers: [] };
  store.write(checkpoint);
  const tail = line(5, "runner/event-processed", { event: "x" }) + line(6, "llm/request", { invokeId: "talk", stateId: "talk", turn: 2 });
  const torn = line(7, "llm/delta", { text: "cut off" }).slice(0, 20);
  appendFileSync(paths.transcript, tail + torn);
  return { dir, checkpoint: CheckpointStore.load(paths.checkpoints)!, transcript: head + tail + torn };
}

const refusal = (dir: string): SessionError => {
  try {
    prepareResume(dir, undefined, work);
  } catch (error) {
    return error as SessionError;
  }
  throw new Error("resume was not refused");
};

const snapshotOf = (dir: string): Record<string, string> =>
  Object.fromEntries(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name), "utf8")] as const));

/** Rewrites the journal's last record. */
const editLastRecord = (dir: string, edit: (record: CheckpointRecord) => void): void => {
  const path = sessionPaths(dir).checkpoints.journal;
  const lines = readFileSync(path, "utf8").trimEnd().split("\n");
  const record = JSON.parse(lines.at(-1)!) as CheckpointRecord;
  edit(record);
  lines[lines.length - 1] = JSON.stringify(record);
  writeFileSync(path, `${lines.join("\n")}\n`);
};

describe("resume checks the checkpoint against the session's files", () => {
  it("records the io pack's size in every checkpoint", () => {
    const { checkpoint, dir } = crafted();
    expect(checkpoint.ioSize).toBe(statSync(sessionPaths(dir).io).size);
  });

  it("accepts a matching checkpoint: rows after it and the torn last line go aside, seq continues after it", () => {
    const { dir, checkpoint, transcript } = crafted();
    const prepared = prepareResume(dir, undefined, work);
    expect(prepared).toMatchObject({ nextSeq: 5, offset: checkpoint.offset });
    expect(readFileSync(sessionPaths(dir).transcript, "utf8")).toBe(transcript.slice(0, checkpoint.offset));
    expect(readFileSync(join(dir, "orphaned-after-4.jsonl"), "utf8")).toBe(transcript.slice(checkpoint.offset));
  });

  it("accepts an interrupted session and marks it running again", () => {
    const { dir } = crafted("interrupted");
    const prepared = prepareResume(dir, undefined, work);
    expect(prepared.manifest.status).toBe("running");
    expect(JSON.parse(readFileSync(sessionPaths(dir).manifest, "utf8"))).toMatchObject({ status: "running" });
  });

  it.each<[string, (c: Crafted) => void, RegExp]>([
    [
      "a line inserted before the offset",
      ({ dir, transcript }) => {
        const at = transcript.indexOf("\n") + 1;
        writeFileSync(sessionPaths(dir).transcript, `${transcript.slice(0, at)}${line(99, "inserted")}${transcript.slice(at)}`);
      },
      /is not the end of a line|is seq \d+, not seq 4/,
    ],
    ["the offset moved back 7 bytes", ({ dir }) => editLastRecord(dir, (record) => (record.offset -= 7)), /byte \d+ of .* is not the end of a line/],
    ["the offset moved back one whole row", ({ dir }) => editLastRecord(dir, (record) => (record.seq += 1)), /is seq 4, not seq 5/],
    [
      "a row after the offset with the wrong seq",
      ({ dir, checkpoint, transcript }) => {
        writeFileSync(sessionPaths(dir).transcript, `${transcript.slice(0, checkpoint.offset)}${line(9, "runner/event-processed")}`);
      },
      /the row after byte \d+ .* is seq 9, not seq 5/,
    ],
    ["the offset past the end of the transcript", ({ dir, checkpoint }) => truncateSync(sessionPaths(dir).transcript, checkpoint.offset - 1), /past the end/],
    ["io.jsonl deleted", ({ dir }) => rmSync(sessionPaths(dir).io), /io\.jsonl is missing/],
    ["io.jsonl truncated", ({ dir }) => truncateSync(sessionPaths(dir).io, 10), /io\.jsonl holds 10 bytes, less than the \d+/],
  ])("refuses %s with one line naming escapement repair, and changes nothing", (_name, tamper, reason) => {
    const crash = crafted();
    tamper(crash);
    const before = snapshotOf(crash.dir);
    const error = refusal(crash.dir);
    expect(error).toBeInstanceOf(SessionError);
    expect(error.code).toBe("session-inconsistent");
    expect(error.message).toMatch(reason);
    expect(error.message).toContain(`run \`escapement repair ${crash.dir}\``);
    expect(error.message).not.toContain("\n");
    expect(snapshotOf(crash.dir)).toEqual(before);
  });

  it("checks every io ref of the kept rows when the checkpoint does not record the pack's size", () => {
    const crash = crafted("running", { ioSize: false });
    expect(crash.checkpoint.ioSize).toBeUndefined();
    expect(resumeProblem(sessionPaths(crash.dir), crash.checkpoint)).toBeUndefined();
    const paths = sessionPaths(crash.dir);
    truncateSync(paths.io, statSync(paths.io).size - 5);
    expect(resumeProblem(paths, crash.checkpoint)).toMatch(/io\.jsonl holds \d+ bytes, less than the \d+ the checkpoint's rows refer to/);
    rmSync(paths.io);
    expect(resumeProblem(paths, crash.checkpoint)).toMatch(/io\.jsonl is missing/);
  });

  it("refuses a checkpoint taken as a failed run ended", () => {
    const { dir, checkpoint } = crafted();
    const paths = sessionPaths(dir);
    const ending = line(5, "runner/error", { category: "session-io", message: "ENOSPC" }) + line(6, "runner/done", { finalConfig: ["talk"], status: "error" });
    writeFileSync(paths.transcript, readFileSync(paths.transcript, "utf8").slice(0, checkpoint.offset) + ending);
    new CheckpointStore(paths.checkpoints).write({ seq: 6, offset: statSync(paths.transcript).size, ts: 3, state: {}, timers: [] });
    expect(refusal(dir).message).toMatch(/written as the run ended \(seq 6 is runner\/done, status error\).*escapement repair/);
  });

  it("refuses rows without a checkpoint, and an unreadable journal or manifest, naming escapement repair", () => {
    const noCheckpoint = crafted();
    rmSync(sessionPaths(noCheckpoint.dir).checkpoints.journal);
    expect(refusal(noCheckpoint.dir)).toMatchObject({ code: "checkpoint-missing", message: expect.stringContaining("escapement repair") });
    const badJournal = crafted();
    writeFileSync(sessionPaths(badJournal.dir).checkpoints.journal, "{broken\n{broken\n");
    expect(refusal(badJournal.dir)).toMatchObject({ code: "checkpoint-malformed", message: expect.stringContaining("escapement repair") });
    const badManifest = crafted();
    writeFileSync(sessionPaths(badManifest.dir).manifest, "\u0000\u0000garbage");
    expect(refusal(badManifest.dir)).toMatchObject({ code: "checkpoint-malformed", message: expect.stringContaining("escapement repair") });
    for (const text of ["null", "[1, 2]", '{"sessionId":"s","chartId":"c","status":"paused"}']) {
      writeFileSync(sessionPaths(badManifest.dir).manifest, text);
      expect(refusal(badManifest.dir)).toMatchObject({ code: "checkpoint-malformed", message: expect.stringMatching(/session\.json .*escapement repair/) });
    }
  });

  it("still refuses a finished session", () => {
    const { dir } = crafted("error");
    expect(refusal(dir)).toMatchObject({ code: "session-finished" });
  });

  it("sets torn last lines of the journal, the cassette and the io pack aside, so the next append starts a line", () => {
    const { dir, checkpoint } = crafted();
    const paths = sessionPaths(dir);
    appendFileSync(paths.checkpoints.journal, '{"seq":6,"offset":9');
    writeFileSync(paths.cassette, '{"kind":"cassette","version":2,"chartId":"c"}\n{"kind":"call","posi');
    const ioBefore = statSync(paths.io).size;
    appendFileSync(paths.io, '{"name":"talk-1-t2-request","payload":{"mess');
    prepareResume(dir, undefined, work);
    expect(readFileSync(paths.checkpoints.journal, "utf8").endsWith("\n")).toBe(true);
    expect(readFileSync(join(dir, "orphaned-after-4.checkpoints.jsonl"), "utf8")).toBe('{"seq":6,"offset":9');
    expect(readFileSync(paths.cassette, "utf8")).toBe('{"kind":"cassette","version":2,"chartId":"c"}\n');
    expect(readFileSync(join(dir, "orphaned-after-4.cassette.jsonl"), "utf8")).toBe('{"kind":"call","posi');
    expect(statSync(paths.io).size).toBe(ioBefore);
    expect(readFileSync(join(dir, "orphaned-after-4.io.jsonl"), "utf8")).toBe('{"name":"talk-1-t2-request","payload":{"mess');
    expect(CheckpointStore.load(paths.checkpoints)).toMatchObject({ seq: checkpoint.seq, offset: checkpoint.offset });
  });

  it("ends a whole last journal record that only lacks its newline, rather than setting it aside", () => {
    const { dir, checkpoint } = crafted();
    const paths = sessionPaths(dir);
    const text = readFileSync(paths.checkpoints.journal, "utf8");
    writeFileSync(paths.checkpoints.journal, text.slice(0, -1));
    prepareResume(dir, undefined, work);
    expect(readFileSync(paths.checkpoints.journal, "utf8")).toBe(text);
    expect(existsSync(join(dir, "orphaned-after-4.checkpoints.jsonl"))).toBe(false);
    expect(CheckpointStore.load(paths.checkpoints)?.seq).toBe(checkpoint.seq);
  });

  it("never overwrites rows an earlier resume set aside", () => {
    const { dir, checkpoint, transcript } = crafted();
    prepareResume(dir, undefined, work);
    const again = line(5, "runner/started", { resumed: true });
    appendFileSync(sessionPaths(dir).transcript, again);
    prepareResume(dir, undefined, work);
    expect(readFileSync(join(dir, "orphaned-after-4.jsonl"), "utf8")).toBe(transcript.slice(checkpoint.offset));
    expect(readFileSync(join(dir, "orphaned-after-4-2.jsonl"), "utf8")).toBe(again);
  });
});
