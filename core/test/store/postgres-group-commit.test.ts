/**
 * The Postgres store commits the writes of all its sessions together (postgres-group-commit.ts):
 * each session still gets its own rows back, complete and in order, and a session whose writes the
 * server refuses fails alone while the sessions that shared its batch go on.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SessionManifest } from "../../src/runtime/session-dir.js";
import { TranscriptWriter, type TranscriptSink } from "../../src/runtime/transcript-writer.js";
import type { TranscriptRow } from "../../src/runtime/transcript-row.js";
import { postgresStore, type SessionStore, type SessionWriter } from "../../src/store/index.js";
import { changedPayloads, planBatch } from "../../src/store/postgres-group-commit.js";
import { postgresAvailable, startCluster, type Cluster } from "./postgres-cluster.js";

const manifestOf = (sessionId: string): SessionManifest => ({ sessionId, chartId: "group", chartModule: "", createdAt: 1_000, status: "running" });
const clock = {
  now: () => 5_000,
  setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
  clearTimeout: (handle: unknown) => clearTimeout(handle as never),
};

/** The writer's transcript sink (the Postgres store's writer always has one). */
const sinkOf = (writer: SessionWriter): TranscriptSink => {
  if (typeof writer.transcript === "string") throw new Error("expected a sink");
  return writer.transcript;
};

const collect = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};

describe("planning a batch", () => {
  it("keeps what the batch leaves: a replaced file's last bytes and the appends after them, one chunk per file", () => {
    const bytes = (text: string) => Buffer.from(text);
    const plan = planBatch([
      { sessionId: "a", write: { kind: "append", path: "transcript.jsonl", bytes: bytes("1\n") } },
      { sessionId: "b", write: { kind: "append", path: "transcript.jsonl", bytes: bytes("x\n") } },
      { sessionId: "a", write: { kind: "replace", path: "checkpoints.jsonl", bytes: bytes("old\n") } },
      { sessionId: "a", write: { kind: "append", path: "transcript.jsonl", bytes: bytes("2\n") } },
      { sessionId: "a", write: { kind: "replace", path: "checkpoints.jsonl", bytes: bytes("new\n") } },
      { sessionId: "a", write: { kind: "manifest", text: "{}\n" } },
      { sessionId: "b", write: { kind: "lock", lock: null, ifPid: 7 } },
    ]);
    expect(plan.cleared).toEqual([
      { sessionId: "a", path: "checkpoints.jsonl" },
      { sessionId: "a", path: "session.json" },
    ]);
    expect(plan.chunks.map((chunk) => [chunk.sessionId, chunk.path, chunk.bytes.toString()])).toEqual([
      ["a", "transcript.jsonl", "1\n2\n"],
      ["b", "transcript.jsonl", "x\n"],
      ["a", "checkpoints.jsonl", "new\n"],
      ["a", "session.json", "{}\n"],
    ]);
    expect([...plan.manifests]).toEqual([["a", "{}\n"]]);
    expect(plan.locks).toEqual([{ sessionId: "b", lock: null, ifPid: 7 }]);
    // Followers are told of the sessions whose transcript or manifest changed.
    expect(plan.changed.sort()).toEqual(["a", "b"]);
  });
});

describe("telling followers which sessions a batch changed", () => {
  it("puts the ids one per line in as few notifications as fit, each within Postgres' payload limit", () => {
    const ids = Array.from({ length: 1000 }, (_, index) => `20261207-171355-${String(index).padStart(6, "0")}`);
    const payloads = changedPayloads(ids);
    expect(payloads.length).toBe(Math.ceil((ids.length * 23 - 1) / 7900));
    for (const payload of payloads) expect(Buffer.byteLength(payload)).toBeLessThan(8000);
    expect(payloads.flatMap((payload) => payload.split("\n"))).toEqual(ids);
    expect(changedPayloads([])).toEqual([]);
  });
});

describe.skipIf(!postgresAvailable())("the Postgres store's group commit", () => {
  let cluster: Cluster;
  let store: SessionStore;
  beforeAll(async () => {
    cluster = startCluster();
    store = await postgresStore({ url: cluster.url, schema: "group_commit" });
  });
  afterAll(async () => {
    await store?.close();
    cluster?.stop();
  });

  it("gives each of many sessions writing at once its own rows back, complete and in order", async () => {
    const writers = await Promise.all(Array.from({ length: 20 }, (_, index) => store.create({ manifest: manifestOf(`many-${index}`) })));
    const transcripts = writers.map((writer) => new TranscriptWriter(writer.transcript, { clock }));
    // Every session appends in the same turns of the event loop, so their rows share batches.
    for (let round = 0; round < 5; round++) {
      transcripts.forEach((transcript, index) => {
        for (let row = 0; row < 3; row++) transcript.append("runner/notice", { code: "n", message: `${index}:${round}:${row}` });
        transcript.flush();
      });
      await new Promise((resolve) => setImmediate(resolve));
    }
    for (const transcript of transcripts) transcript.close();
    for (const transcript of transcripts) await transcript.durable();
    for (const [index, writer] of writers.entries()) {
      const rows: TranscriptRow[] = await collect(store.rows(writer.sessionId));
      expect(rows.map((row) => row.seq)).toEqual(Array.from({ length: 15 }, (_, at) => at + 1));
      expect(rows.map((row) => (row.data as { message: string }).message)).toEqual(
        Array.from({ length: 15 }, (_, at) => `${index}:${Math.floor(at / 3)}:${at % 3}`),
      );
    }
  });

  it("fails only the session whose writes the server refuses; the others of its batch are stored", async () => {
    const doomed = await store.create({ manifest: manifestOf("refused") });
    const kept = await store.create({ manifest: manifestOf("kept") });
    // Its row is gone, so the server refuses its chunks (they must belong to a session).
    await store.delete("refused");
    const refused = sinkOf(doomed).append('{"seq":1,"ts":1,"event":"runner/notice","data":{"code":"n","message":"lost"}}\n', []);
    const stored = sinkOf(kept).append('{"seq":1,"ts":1,"event":"runner/notice","data":{"code":"n","message":"kept"}}\n', []);
    await expect(refused).rejects.toThrow(/^writing session refused to the Postgres store failed: .*foreign key/);
    await expect(stored).resolves.toBeUndefined();
    expect((await collect(store.rows("kept"))).map((row) => (row.data as { message: string }).message)).toEqual(["kept"]);
    // The refused session stays stopped: nothing more of it is written, and its durable() says why.
    await expect(sinkOf(doomed).append('{"seq":2,"ts":1,"event":"runner/notice","data":{"code":"n","message":"later"}}\n', [])).rejects.toThrow(
      /refused to the Postgres store failed/,
    );
    await expect(doomed.durable()).rejects.toThrow(/refused to the Postgres store failed/);
    await expect(sinkOf(kept).append('{"seq":2,"ts":1,"event":"runner/notice","data":{"code":"n","message":"again"}}\n', [])).resolves.toBeUndefined();
  });
});
