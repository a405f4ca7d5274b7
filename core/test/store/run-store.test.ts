/**
 * `run({ store })` end to end on an example chart answering from its bundled cassette: a memory
 * store writes no file and holds the same transcript a disk run writes (ids and times
 * normalised), and export and import move the session between the two stores.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import artifactsChart from "../../../examples/artifacts/chart.js";
import { diskStore, exportStoredSession, importIntoStore, memoryStore, run, type SessionStore } from "../../src/index.js";
import { CassetteModel, loadCassette } from "../../src/llm/cassette/index.js";
import type { ModelClient } from "../../src/llm/protocol.js";
import { sequentialIds } from "../../src/runtime/ids.js";
import type { TranscriptRow } from "../../src/runtime/transcript-row.js";
import { summarizeStoredSession } from "../../src/sessions/index.js";
import { postgresStore } from "../../src/store/index.js";
import { postgresAvailable, startCluster, type Cluster } from "./postgres-cluster.js";
import { repo } from "../lib/helpers.js";

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const scratch = (prefix: string): string => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
};

const cassetteModel = async () =>
  new CassetteModel(await loadCassette(join(repo, "examples/artifacts/cassette.jsonl"), "artifacts"), { mode: "strict", timing: "instant" });

const collect = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};

/** What differs from run to run, taken out of rows: times and what is measured from them. */
const timed = new Set(["ts", "elapsedMs", "ttftMs", "durationMs", "tokensPerSec"]);
const normalised = (rows: readonly TranscriptRow[]): unknown => JSON.parse(JSON.stringify(rows, (key, value: unknown) => (timed.has(key) ? undefined : value)));

const entriesFor = (sessionId: string): string[] => readdirSync(tmpdir()).filter((name) => name.includes(sessionId));

describe("run({ store })", () => {
  it("runs a chart on a memory store without writing a file, with the transcript a disk run writes", async () => {
    const store = memoryStore();
    const handle = run({ chart: artifactsChart, model: await cassetteModel(), store, ids: sequentialIds("memstore") });
    const outcome = await handle;
    expect(outcome).toMatchObject({ status: "done", finalConfig: ["done"], sessionId: "memstore-session-1", sessionDir: "memory:memstore-session-1" });
    // Neither the session nor its default work root is left on disk.
    expect(entriesFor("memstore-session-1")).toEqual([]);
    expect(existsSync(join(tmpdir(), "escapement-memstore-session-1"))).toBe(false);

    const key = await store.locate("memstore-session-1");
    expect(await store.manifest(key)).toMatchObject({ status: "done", chartId: "artifacts" });
    expect(await store.artifacts(key)).toEqual(["critique", "draft"]);
    const memoryRows = await collect(store.rows(key));

    const sessionsRoot = scratch("escapement-store-run-");
    const onDisk = await run({ chart: artifactsChart, model: await cassetteModel(), sessionsRoot, ids: sequentialIds("memstore") });
    expect(onDisk.status).toBe("done");
    const diskRows = readFileSync(join(onDisk.sessionDir, "transcript.jsonl"), "utf8")
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as TranscriptRow);
    expect(memoryRows.length).toBeGreaterThan(10);
    expect(normalised(memoryRows)).toEqual(normalised(diskRows));
    // The io blobs the rows name are in the store, at the same refs.
    const request = memoryRows.find((row) => row.event === "llm/request")!;
    const ref = (request.data as { ref: string }).ref;
    expect(JSON.parse((await store.blob(key, ref))!)).toEqual(JSON.parse(readFileSync(join(onDisk.sessionDir, "io.jsonl"), "utf8").split("\n")[0]!).payload);
  });

  it("on a store that acknowledges later, shows and does nothing before its rows are stored, and writes the same transcript", async () => {
    const store = memoryStore({ acknowledge: "later" });
    const sessionId = "later-session-1";
    const inner = await cassetteModel();
    // What the store holds (acknowledged writes only) when each model call starts and each event is shown.
    const atCall: Array<{ origin: unknown; rows: Promise<TranscriptRow[]> }> = [];
    const atEvent: Array<{ seq: number; rows: Promise<TranscriptRow[]> }> = [];
    const model: ModelClient = {
      assertAlias: (alias) => inner.assertAlias(alias),
      call: (request, options) => {
        atCall.push({ origin: request.origin, rows: collect(store.rows(sessionId)) });
        return inner.call(request, options);
      },
    };
    const outcome = await run({
      chart: artifactsChart,
      model,
      store,
      ids: sequentialIds("later"),
      onEvent: (event) => atEvent.push({ seq: event.seq, rows: collect(store.rows(sessionId)) }),
    });
    expect(outcome.status).toBe("done");
    // The result comes once the session is written: the manifest says done.
    expect(await store.manifest(sessionId)).toMatchObject({ status: "done" });
    expect(atCall).toHaveLength(2);
    for (const { origin, rows } of atCall) {
      const { invokeId, turn } = origin as { invokeId: string; turn: number };
      const stored = await rows;
      expect(
        stored.some(
          (row) =>
            row.event === "llm/request" &&
            (row.data as { invokeId: string; turn: number }).invokeId === invokeId &&
            (row.data as { turn: number }).turn === turn,
        ),
      ).toBe(true);
    }
    expect(atEvent.length).toBeGreaterThan(5);
    for (const { seq, rows } of atEvent) expect((await rows).map((row) => row.seq)).toContain(seq);

    const now = memoryStore();
    await run({ chart: artifactsChart, model: await cassetteModel(), store: now, ids: sequentialIds("later") });
    expect(normalised(await collect(store.rows(sessionId)))).toEqual(normalised(await collect(now.rows(sessionId))));
  });

  it("moves a session from memory to disk and back with export and import", async () => {
    const memory = memoryStore();
    const outcome = await run({ chart: artifactsChart, model: await cassetteModel(), store: memory, ids: sequentialIds("moving") });
    expect(outcome.status).toBe("done");
    const work = scratch("escapement-store-move-");
    const disk: SessionStore = diskStore({ root: join(work, "sessions"), cwd: work });

    const fromMemory = join(work, "from-memory.jsonl");
    await exportStoredSession(memory, await memory.locate("moving-session-1"), fromMemory);
    const imported = await importIntoStore(fromMemory, disk);
    expect(imported).toMatchObject({ sessionId: "moving-session-1", key: join(work, "sessions", "moving-session-1") });
    const memorySummary = await summarizeStoredSession(memory, "moving-session-1");
    const diskSummary = await summarizeStoredSession(disk, imported.key);
    expect(diskSummary).toEqual(memorySummary);
    expect(diskSummary).toMatchObject({ status: "done", turns: 2, artifacts: ["draft", "critique"] });
    expect(readFileSync(join(imported.key, "artifacts", "draft"), "utf8")).toMatch(/^An agent driven by a statechart/);

    // And back: a fresh memory store takes the disk session; its files are the same bytes.
    const fromDisk = join(work, "from-disk.jsonl");
    await exportStoredSession(disk, imported.key, fromDisk);
    const again = memoryStore();
    const back = await importIntoStore(fromDisk, again);
    expect(await collect(again.files(back.key))).toEqual(await collect(memory.files("moving-session-1")));
    await expect(importIntoStore(fromDisk, again)).rejects.toThrow(/already exists/);
  });

  it("refuses a memory store with a session directory, and a resume of a session it does not hold, naming it", async () => {
    const model = await cassetteModel();
    await expect(run({ chart: artifactsChart, model, store: memoryStore(), sessionDir: "/tmp/x" })).rejects.toThrow(/sessionDir/);
    await expect(run({ chart: artifactsChart, model, store: memoryStore(), resume: "gone-session-1" })).rejects.toThrow(
      'no session "gone-session-1" in the memory store',
    );
  });
});

describe.skipIf(!postgresAvailable())("run({ store }) on Postgres", () => {
  let cluster: Cluster;
  beforeAll(() => {
    cluster = startCluster();
  });
  afterAll(() => cluster?.stop());

  it("writes the transcript a memory run writes, calls the model only once its rows are committed, and exports to disk", async () => {
    const store = await postgresStore({ url: cluster.url, schema: "run_e2e" });
    try {
      const inner = await cassetteModel();
      const atCall: Promise<TranscriptRow[]>[] = [];
      const model: ModelClient = {
        assertAlias: (alias) => inner.assertAlias(alias),
        call: (request, options) => {
          atCall.push(collect(store.rows("pg-session-1")));
          return inner.call(request, options);
        },
      };
      const outcome = await run({ chart: artifactsChart, model, store, ids: sequentialIds("pg") });
      expect(outcome).toMatchObject({ status: "done", sessionDir: "postgres:pg-session-1" });
      expect(await store.manifest("pg-session-1")).toMatchObject({ status: "done" });
      const requests = await Promise.all(atCall);
      expect(requests.map((rows) => rows.filter((row) => row.event === "llm/request").length)).toEqual([1, 2]);

      const memory = memoryStore();
      await run({ chart: artifactsChart, model: await cassetteModel(), store: memory, ids: sequentialIds("pg") });
      expect(normalised(await collect(store.rows("pg-session-1")))).toEqual(normalised(await collect(memory.rows("pg-session-1"))));

      const work = scratch("escapement-store-pg-");
      const bundle = join(work, "pg.jsonl");
      await exportStoredSession(store, await store.locate("pg-session-1"), bundle);
      const disk = diskStore({ root: join(work, "sessions"), cwd: work });
      const imported = await importIntoStore(bundle, disk);
      expect(await summarizeStoredSession(disk, imported.key)).toEqual(await summarizeStoredSession(store, "pg-session-1"));
      // And into Postgres from disk: a second schema takes it byte for byte.
      const again = await postgresStore({ url: cluster.url, schema: "run_e2e_import" });
      try {
        const back = await importIntoStore(bundle, again);
        expect(await collect(again.files(back.key))).toEqual(await collect(disk.files(imported.key)));
      } finally {
        await again.close();
      }
    } finally {
      await store.close();
    }
  });

  it("ends a run whose database goes away with a session-io error, never acting past what was stored", async () => {
    const own = startCluster();
    let stopped = false;
    const store = await postgresStore({ url: own.url, schema: "goes_away" });
    try {
      const inner = await cassetteModel();
      let calls = 0;
      const model: ModelClient = {
        assertAlias: (alias) => inner.assertAlias(alias),
        call: async (request, options) => {
          calls++;
          const response = await inner.call(request, options);
          // The server goes away with the first answer: nothing after it can be stored.
          own.stop();
          stopped = true;
          return response;
        },
      };
      const outcome = await run({ chart: artifactsChart, model, store, ids: sequentialIds("gone") });
      expect(outcome.status).toBe("error");
      expect(outcome.error).toMatchObject({ category: "session-io" });
      expect(outcome.error!.message).toMatch(/Postgres store failed/);
      // The second conversation's call never started: its rows could not be stored.
      expect(calls).toBe(1);
    } finally {
      await store.close().catch(() => {});
      if (!stopped) own.stop();
    }
  });

  it("refuses an unreachable server and a schema from a newer build in one line", async () => {
    await expect(postgresStore({ url: "postgresql://escapement:secret@127.0.0.1:1/none" })).rejects.toThrow(
      /^cannot use the Postgres store at postgresql:\/\/escapement:\*\*\*@127\.0\.0\.1:1\/none: /,
    );
    const store = await postgresStore({ url: cluster.url, schema: "newer" });
    await store.close();
    const { Client } = (await import("pg")).default;
    const client = new Client({ connectionString: cluster.url });
    await client.connect();
    await client.query("UPDATE newer.escapement_meta SET value = '99' WHERE key = 'schema_version'");
    await client.end();
    await expect(postgresStore({ url: cluster.url, schema: "newer" })).rejects.toThrow(
      "the Postgres store's schema is version 99, newer than this build's 2: upgrade Escapement to use it",
    );
  });
});
