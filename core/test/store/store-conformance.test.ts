/**
 * What every session store must do, run against each implementation through the runtime's own
 * writers (the transcript writer, the io and checkpoint stores, artifacts, the cassette writer):
 * rows come back in order, a tap sees rows only once the store holds them, the latest checkpoint
 * wins, refs name the blobs, artifacts are replaced whole, the manifest is updated, the live lock
 * is honoured, and a session's files move from one store to another unchanged.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CassetteWriter } from "../../src/llm/cassette/index.js";
import { CheckpointStore } from "../../src/runtime/checkpoint-store.js";
import { IoStore } from "../../src/runtime/io-store.js";
import { SessionError } from "../../src/runtime/session-error.js";
import type { SessionManifest } from "../../src/runtime/session-dir.js";
import { TranscriptWriter } from "../../src/runtime/transcript-writer.js";
import type { TranscriptRow } from "../../src/runtime/transcript-row.js";
import { childKey, diskStore, memoryStore, postgresStore, type SessionFile, type SessionStore } from "../../src/store/index.js";
import { postgresAvailable, startCluster, type Cluster } from "./postgres-cluster.js";
import { ArtifactStore } from "../../src/templates/artifact-store.js";

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

interface Harness {
  store: SessionStore;
  /** The transcript's rows as the store holds them at the moment of the call (read synchronously where the store allows). */
  rowsNow(key: string): Promise<TranscriptRow[]>;
}

const collect = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};

let cluster: Cluster | undefined;
let schemas = 0;
const opened: SessionStore[] = [];
beforeAll(() => {
  if (postgresAvailable()) cluster = startCluster();
});
afterAll(() => cluster?.stop());
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

const stores: Record<string, () => Harness | Promise<Harness>> = {
  disk: () => {
    const root = mkdtempSync(join(tmpdir(), "escapement-store-disk-"));
    made.push(root);
    const store = diskStore({ root, cwd: root });
    return {
      store,
      rowsNow: async (key) => {
        const text = readFileSync(join(key, "transcript.jsonl"), "utf8");
        return text
          .split("\n")
          .filter((line) => line !== "")
          .map((line) => JSON.parse(line) as TranscriptRow);
      },
    };
  },
  memory: () => {
    const store = memoryStore();
    // The memory store's rows() takes the transcript as it is when called.
    return { store, rowsNow: (key) => collect(store.rows(key)) };
  },
  "memory (acknowledging later)": () => {
    const store = memoryStore({ acknowledge: "later" });
    return { store, rowsNow: (key) => collect(store.rows(key)) };
  },
  ...(postgresAvailable()
    ? {
        // A schema of its own for each test: the tests reuse session ids.
        postgres: async (): Promise<Harness> => {
          const store = await postgresStore({ url: cluster!.url, schema: `conformance_${++schemas}` });
          opened.push(store);
          // The query goes out at the call: the rows are those the database holds by then (never fewer).
          return { store, rowsNow: (key) => collect(store.rows(key)) };
        },
      }
    : {}),
};

const manifestOf = (sessionId: string): SessionManifest => ({
  sessionId,
  chartId: "conformance",
  chartModule: "",
  createdAt: 1_000,
  status: "running",
});

const clock = {
  now: () => 5_000,
  setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
  clearTimeout: (handle: unknown) => clearTimeout(handle as never),
};

for (const [kind, open] of Object.entries(stores)) {
  describe(`the ${kind} store`, () => {
    it("creates a session once, finds it by id, lists it, and refuses a second one with the same id", async () => {
      const { store } = await open();
      const writer = await store.create({ manifest: manifestOf("s-1") });
      expect(writer.sessionId).toBe("s-1");
      const key = await store.locate("s-1");
      expect(store.location(key)).toBe(writer.location);
      expect(await store.list()).toEqual([key]);
      expect(await store.manifest(key)).toEqual(manifestOf("s-1"));
      await expect(store.create({ manifest: manifestOf("s-1") })).rejects.toThrow(SessionError);
      await expect(store.locate("s-2")).rejects.toThrow(/no session/);
    });

    it("gives rows back in order, and a tap sees a batch only once the store holds it", async () => {
      const { store, rowsNow } = await open();
      const writer = await store.create({ manifest: manifestOf("s-rows") });
      const key = await store.locate("s-rows");
      const transcript = new TranscriptWriter(writer.transcript, { clock });
      const seenAtTap: Promise<TranscriptRow[]>[] = [];
      transcript.tap((rows) => {
        // Durable before visible: whatever the tap is handed, the store already holds.
        expect(rows.length).toBeGreaterThan(0);
        seenAtTap.push(rowsNow(key));
      });
      for (let index = 0; index < 5; index++) transcript.append("runner/notice", { code: "n", message: `first ${index}` });
      transcript.flush();
      for (let index = 0; index < 3; index++) transcript.append("runner/notice", { code: "n", message: `second ${index}` });
      transcript.close();
      await transcript.durable();
      const [afterFirst, afterSecond] = await Promise.all(seenAtTap);
      // The store held every row a tap was handed (a store read later may hold more, never fewer).
      expect(afterFirst!.map((row) => row.seq)).toEqual(expect.arrayContaining([1, 2, 3, 4, 5]));
      expect(afterSecond!.map((row) => row.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      const rows = await collect(store.rows(key));
      expect(rows.map((row) => (row.data as { message: string }).message)).toEqual([
        "first 0",
        "first 1",
        "first 2",
        "first 3",
        "first 4",
        "second 0",
        "second 1",
        "second 2",
      ]);
    });

    it("reopens a session cut back as a resume asks, the tails set aside, and appends after what was kept", async () => {
      const { store } = await open();
      const writer = await store.create({ manifest: manifestOf("s-reopen") });
      const key = await store.locate("s-reopen");
      const transcript = new TranscriptWriter(writer.transcript, { clock });
      for (let index = 0; index < 4; index++) transcript.append("runner/notice", { code: "n", message: `row ${index}` });
      transcript.close();
      const io = new IoStore(writer.io);
      io.put("kept", { n: 1 });
      await transcript.durable();
      await writer.durable();
      const files = async () => new Map((await collect(store.files(key))).map((file) => [file.path, Buffer.from(file.bytes).toString("utf8")]));
      const before = await files();
      const lines = before.get("transcript.jsonl")!.split("\n");
      const keep = Buffer.byteLength(`${lines[0]}\n${lines[1]}\n`);
      const ioKept = Buffer.byteLength(before.get("io.jsonl")!);
      // A dead run's own aside file is never overwritten: the next name is taken.
      await (
        await store.reopen(
          key,
          [{ path: "transcript.jsonl", keep: before.get("transcript.jsonl")!.length, aside: { prefix: "orphaned-after-2", suffix: ".jsonl" } }],
          manifestOf("s-reopen"),
        )
      ).durable();
      const reopened = await store.reopen(
        key,
        [
          { path: "transcript.jsonl", keep, aside: { prefix: "orphaned-after-2", suffix: ".jsonl" } },
          { path: "cassette.jsonl", keep: 0, aside: { prefix: "orphaned-after-2", suffix: ".cassette.jsonl" } },
        ],
        { ...manifestOf("s-reopen"), status: "running", chartModule: "reopened" },
      );
      const after = await files();
      expect(after.get("transcript.jsonl")).toBe(`${lines[0]}\n${lines[1]}\n`);
      expect(after.get("orphaned-after-2.jsonl")).toBe(`${lines[2]}\n${lines[3]}\n`);
      expect([...after.keys()].filter((path) => path.startsWith("orphaned-"))).toEqual(["orphaned-after-2.jsonl"]);
      expect(await store.manifest(key)).toMatchObject({ chartModule: "reopened" });
      // The new writer goes on from what was kept: seq, transcript bytes and the io pack's size.
      const nextRef = new IoStore(reopened.io).put("next", { n: 2 });
      expect(Number(/offset=(\d+)/.exec(nextRef)![1])).toBeGreaterThan(ioKept);
      const next = new TranscriptWriter(reopened.transcript, { clock, nextSeq: 3, offset: keep });
      next.append("runner/notice", { code: "n", message: "after" });
      next.close();
      await next.durable();
      await reopened.durable();
      expect(await store.blob(key, nextRef)).toBe('{"n":2}');
      expect((await collect(store.rows(key))).map((row) => [row.seq, (row.data as { message: string }).message])).toEqual([
        [1, "row 0"],
        [2, "row 1"],
        [3, "after"],
      ]);
      await expect(store.reopen("s-missing", [], manifestOf("s-missing"))).rejects.toThrow(/no session|not a session|ENOENT/);
    });

    it("keeps io blobs at the refs it returned, and the latest checkpoint with the io size it covers", async () => {
      const { store } = await open();
      const writer = await store.create({ manifest: manifestOf("s-io") });
      const key = await store.locate("s-io");
      const io = new IoStore(writer.io);
      const first = io.put("a/1/request", { messages: ["hello"] });
      const second = io.put("a/1/response", { text: "héllo ✓" });
      await writer.durable();
      expect(await store.blob(key, first)).toBe('{"messages":["hello"]}');
      expect(await store.blob(key, second)).toBe('{"text":"héllo ✓"}');
      expect(await store.checkpoint(key)).toBeUndefined();
      const checkpoints = new CheckpointStore(writer.checkpoints);
      checkpoints.write({ seq: 3, offset: 300, ts: 1, state: { value: "a" }, timers: [] });
      checkpoints.write({ seq: 7, offset: 700, ts: 2, state: { value: "b" }, timers: [] });
      checkpoints.close();
      await writer.durable();
      const latest = await store.checkpoint(key);
      expect(latest).toMatchObject({ seq: 7, offset: 700, state: { value: "b" } });
      const ioBytes = (await collect(store.files(key))).find((file) => file.path === "io.jsonl")!.bytes.byteLength;
      expect(latest!.ioSize).toBe(ioBytes);
    });

    it("acknowledges a batch of rows once readers of the store see it, and the blobs written before it", async () => {
      const { store } = await open();
      const writer = await store.create({ manifest: manifestOf("s-ack") });
      const key = await store.locate("s-ack");
      const transcript = new TranscriptWriter(writer.transcript, { clock });
      const ref = new IoStore(writer.io).put("blob", { n: 1 });
      transcript.append("runner/notice", { code: "n", message: "names a blob", ref } as never);
      transcript.flush();
      // Only the batch's acknowledgement is awaited (nothing when the store is synchronous).
      await transcript.durable();
      expect((await collect(store.rows(key))).map((row) => row.seq)).toEqual([1]);
      expect(await store.blob(key, ref)).toBe('{"n":1}');
      transcript.close();
    });

    it("replaces an artifact whole and lists artifacts sorted", async () => {
      const { store } = await open();
      const writer = await store.create({ manifest: manifestOf("s-art") });
      const key = await store.locate("s-art");
      const artifacts = new ArtifactStore(writer.artifacts);
      artifacts.write("draft", "first version");
      artifacts.write("draft", "second");
      artifacts.write("a-note", new Uint8Array([1, 2, 3]));
      expect(artifacts.read("draft")).toBe("second");
      await writer.durable();
      expect(await store.artifacts(key)).toEqual(["a-note", "draft"]);
      expect(Buffer.from((await store.artifact(key, "draft"))!).toString("utf8")).toBe("second");
      expect([...(await store.artifact(key, "a-note"))!]).toEqual([1, 2, 3]);
      expect(await store.artifact(key, "missing")).toBeUndefined();
    });

    it("holds the cassette a run records, header first", async () => {
      const { store } = await open();
      const writer = await store.create({ manifest: manifestOf("s-cas") });
      const key = await store.locate("s-cas");
      expect(await store.cassette(key)).toBeUndefined();
      const cassette = new CassetteWriter(writer.cassette, { chartId: "conformance", sessionId: "s-cas", createdAt: 1 });
      cassette.appendSteer({ steerId: "st-1", text: "shorter, please", origin: { invokeId: "writer", stateId: "writing", turn: 1 } });
      cassette.appendSteer({ steerId: "st-2", text: "and warmer", origin: { invokeId: "writer", stateId: "writing", turn: 2 } });
      await writer.durable();
      const lines = (await store.cassette(key))!
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line) as { kind: string; steerId?: string });
      expect(lines.map((line) => line.kind)).toEqual(["cassette", "steer", "steer"]);
      expect(lines.map((line) => line.steerId)).toEqual([undefined, "st-1", "st-2"]);
      // A writer over a cassette that has its header already does not write another.
      new CassetteWriter(writer.cassette, { chartId: "conformance", sessionId: "s-cas", createdAt: 2 }).appendSteer({
        steerId: "st-3",
        text: "done",
        origin: { invokeId: "writer", stateId: "writing", turn: 3 },
      });
      await writer.durable();
      expect((await store.cassette(key))!.match(/"kind":"cassette"/g)).toHaveLength(1);
    });

    it("updates the manifest, and holds the live lock for a live process only", async () => {
      const { store } = await open();
      const writer = await store.create({ manifest: manifestOf("s-man") });
      const key = await store.locate("s-man");
      await writer.writeManifest({ ...manifestOf("s-man"), status: "done", endedAt: 9_000 });
      expect(await store.manifest(key)).toMatchObject({ status: "done", endedAt: 9_000 });
      expect(await store.liveRun(key)).toBeUndefined();
      await writer.lock({ pid: process.pid, since: 42 });
      expect(await store.liveRun(key)).toEqual({ pid: process.pid, since: 42 });
      expect(await store.liveRun(key, () => false)).toBeUndefined();
      await writer.unlock(process.pid + 1);
      expect(await store.liveRun(key)).toEqual({ pid: process.pid, since: 42 });
      // The lock is this machine's: never among the files a session moves with.
      expect((await collect(store.files(key))).map((file) => file.path)).not.toContain("run.lock");
      await writer.unlock(process.pid);
      expect(await store.liveRun(key)).toBeUndefined();
    });

    it("keeps a fleet's child under its parent: listed as its child only, its blobs named from the parent, deleted with it", async () => {
      const { store } = await open();
      await store.create({ manifest: manifestOf("s-parent") });
      const key = await store.locate("s-parent");
      // The disk store takes the child's directory, the others its key (see store/child-key.ts).
      const child = await store.create({ manifest: manifestOf("crew-1"), dir: join(key, "children", "crew-1"), key: childKey(key, "crew-1") });
      const ref = new IoStore(child.io).put("x", { from: "the child" });
      await child.durable();
      expect(await store.list()).toEqual([key]);
      expect(await store.children(key)).toEqual(["crew-1"]);
      expect((await store.manifest(store.kind === "disk" ? join(key, "children", "crew-1") : childKey(key, "crew-1"))).sessionId).toBe("crew-1");
      expect(await store.blob(key, `children/crew-1/${ref}`)).toBe('{"from":"the child"}');
      expect(await store.blob(key, `children/crew-2/${ref}`)).toBeUndefined();
      // An export carries the children as the disk store lays them out; an import makes them children again.
      const files: SessionFile[] = await collect(store.files(key));
      expect(files.map((file) => file.path)).toEqual(["children/crew-1/io.jsonl", "children/crew-1/session.json", "session.json"]);
      for (const [otherKind, openOther] of Object.entries(stores)) {
        const other = (await openOther()).store;
        const otherKey = await other.put(manifestOf("s-parent"), files);
        expect(await other.children(otherKey), `into ${otherKind}`).toEqual(["crew-1"]);
        expect(await collect(other.files(otherKey)), `into ${otherKind}`).toEqual(files);
        expect(await other.blob(otherKey, `children/crew-1/${ref}`), `into ${otherKind}`).toBe('{"from":"the child"}');
      }
      await store.delete(key);
      expect(await store.list()).toEqual([]);
      expect(await store.children(key)).toEqual([]);
    });

    it("gives a session's files to every other store unchanged, and deletes a session", async () => {
      const { store } = await open();
      const writer = await store.create({ manifest: manifestOf("s-move") });
      const key = await store.locate("s-move");
      const transcript = new TranscriptWriter(writer.transcript, { clock });
      transcript.append("runner/notice", { code: "n", message: "moved" });
      transcript.close();
      await transcript.durable();
      new ArtifactStore(writer.artifacts).write("draft", "text");
      const ref = new IoStore(writer.io).put("x", { big: "payload" });
      await writer.durable();
      const files: SessionFile[] = await collect(store.files(key));
      expect(files.map((file) => file.path)).toEqual(["artifacts/draft", "io.jsonl", "session.json", "transcript.jsonl"]);
      for (const [otherKind, openOther] of Object.entries(stores)) {
        const other = (await openOther()).store;
        const otherKey = await other.put(manifestOf("s-move"), files);
        expect(await collect(other.files(otherKey)), `into ${otherKind}`).toEqual(files);
        expect(await other.blob(otherKey, ref)).toBe('{"big":"payload"}');
        await expect(other.put(manifestOf("s-move"), files)).rejects.toThrow(/already exists/);
      }
      await store.delete(key);
      expect(await store.list()).toEqual([]);
    });
  });
}
