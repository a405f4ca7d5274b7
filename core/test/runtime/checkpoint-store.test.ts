import { appendFileSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { CheckpointStore, type CheckpointRecord } from "../../src/runtime/checkpoint-store.js";
import { SessionError } from "../../src/runtime/session-error.js";

const record = (seq: number): CheckpointRecord => ({ seq, offset: seq * 100, ts: seq, state: { value: `s${seq}` }, timers: [] });
let dir: string;
let files: { journal: string; snapshot: string };
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "escapement-checkpoints-"));
  files = { journal: join(dir, "journal.jsonl"), snapshot: join(dir, "snapshot.json") };
});

describe("CheckpointStore", () => {
  it("loads nothing from an empty directory", () => {
    expect(CheckpointStore.load(files)).toBeUndefined();
  });

  it("loads the last record of the journal", () => {
    const store = new CheckpointStore(files);
    store.write(record(1));
    store.write(record(2));
    store.close();
    expect(CheckpointStore.load(files)).toEqual(record(2));
  });

  it("a state holding U+2028 and U+2029 (a conversation's model text) loads back whole", () => {
    const store = new CheckpointStore(files);
    const withText = (seq: number): CheckpointRecord => ({ ...record(seq), state: { messages: [`reply ${seq}\u2028next\u2029para`] } });
    store.write(withText(1));
    store.write(withText(2));
    store.close();
    expect(readFileSync(files.journal, "utf8")).toContain("\u2029");
    expect(CheckpointStore.load(files)).toEqual(withText(2));
  });

  it("tolerates a torn last line (a crash mid-append)", () => {
    const store = new CheckpointStore(files);
    store.write(record(1));
    store.close();
    appendFileSync(join(dir, "journal.jsonl"), '{"seq":2,"offs');
    expect(CheckpointStore.load(files)?.seq).toBe(1);
  });

  it("rejects a journal corrupted before its last line, naming the line", () => {
    writeFileSync(join(dir, "journal.jsonl"), `${JSON.stringify(record(1))}\ngarbage\n{"torn`);
    expect(() => CheckpointStore.load(files)).toThrow(SessionError);
    expect(() => CheckpointStore.load(files)).toThrow(/line 2/);
  });

  it("rejects a journal with no valid record", () => {
    writeFileSync(join(dir, "journal.jsonl"), "not json\n");
    expect(() => CheckpointStore.load(files)).toThrow(/no valid checkpoint record/);
  });

  it("compacts into snapshot.json and keeps the latest state loadable", () => {
    const compacted: number[] = [];
    const store = new CheckpointStore(files, { compactBytes: 300, onCompact: (r) => compacted.push(r.seq) });
    for (let seq = 1; seq <= 10; seq++) store.write(record(seq));
    store.close();
    expect(compacted.length).toBeGreaterThan(0);
    expect(existsSync(join(dir, "snapshot.json"))).toBe(true);
    expect(readFileSync(join(dir, "journal.jsonl"), "utf8").length).toBeLessThan(300);
    expect(CheckpointStore.load(files)?.seq).toBe(10);
  });

  it("prefers the journal over an older snapshot, and the snapshot over an older journal", () => {
    writeFileSync(join(dir, "snapshot.json"), JSON.stringify(record(5)));
    writeFileSync(join(dir, "journal.jsonl"), `${JSON.stringify(record(3))}\n`);
    expect(CheckpointStore.load(files)?.seq).toBe(5);
    writeFileSync(join(dir, "journal.jsonl"), `${JSON.stringify(record(7))}\n`);
    expect(CheckpointStore.load(files)?.seq).toBe(7);
  });
});
