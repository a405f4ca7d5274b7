/**
 * The session inbox on the memory and Postgres stores: a post is numbered per session and read back
 * in order after a seq, a watcher hears of a post (Postgres: from another process's connection, by
 * NOTIFY), a post to a missing session or a malformed one is refused clearly.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryStore, postgresStore, type InboxMessage, type SessionStore } from "../../src/store/index.js";
import type { SessionManifest } from "../../src/runtime/session-dir.js";
import { postgresAvailable, startCluster, type Cluster } from "./postgres-cluster.js";

const manifestFor = (sessionId: string): SessionManifest =>
  ({ sessionId, chartId: "inbox", createdAt: 1, status: "running", chartPath: "", schemaVersion: 1 }) as unknown as SessionManifest;

const answer = (promptId: string, value: unknown): InboxMessage => ({ kind: "answer", promptId, answer: { value } });

const posted = (store: SessionStore, sessionId: string): Promise<void> =>
  new Promise<void>((resolve, reject) => {
    void store.inbox!.watch(sessionId, () => resolve()).catch(reject);
  });

const until = async (check: () => boolean): Promise<void> => {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
};

async function behavesAsAnInbox(store: SessionStore, other: SessionStore): Promise<void> {
  await store.create({ manifest: manifestFor("s-1") });
  await store.create({ manifest: manifestFor("s-2") });
  const inbox = store.inbox!;
  const heard: string[] = [];
  const stop = await other.inbox!.watch("s-1", () => heard.push("s-1"));
  const any: string[] = [];
  const stopAll = await other.inbox!.watchAll!((sessionId) => any.push(sessionId));
  const first = posted(other, "s-1");
  expect(await inbox.post("s-1", answer("p-1", "yes"))).toBe(1);
  await first;
  expect(await inbox.post("s-2", { kind: "control", control: { command: "pause" } })).toBe(1);
  expect(await inbox.post("s-1", { kind: "answer", promptId: "p-2", answer: { cancelled: true } })).toBe(2);
  await until(() => any.length >= 3);
  expect(any).toEqual(["s-1", "s-2", "s-1"]);
  await stopAll();
  const all = await other.inbox!.read("s-1", 0);
  expect(all.map((entry) => [entry.seq, entry.message])).toEqual([
    [1, answer("p-1", "yes")],
    [2, { kind: "answer", promptId: "p-2", answer: { cancelled: true } }],
  ]);
  expect((await other.inbox!.read("s-1", 1)).map((entry) => entry.seq)).toEqual([2]);
  expect(await other.inbox!.read("s-1", 2)).toEqual([]);
  await stop();
  const count = heard.length;
  await inbox.post("s-1", answer("p-3", 1));
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(heard.length).toBe(count);

  await expect(inbox.post("nobody", answer("p", 1))).rejects.toThrow(/no session "nobody"/);
  await expect(inbox.post("s-1", { kind: "answer", promptId: "p" } as unknown as InboxMessage)).rejects.toThrow(/not an inbox message/);
  // Concurrent posts get distinct, gapless numbers.
  const seqs = await Promise.all(Array.from({ length: 8 }, (_, i) => inbox.post("s-2", answer(`c-${i}`, i))));
  expect([...seqs].sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
}

describe("the session inbox", () => {
  it("works on the memory store", async () => {
    const store = memoryStore();
    await behavesAsAnInbox(store, store);
  });

  it("is absent on the disk store", async () => {
    const { diskStore } = await import("../../src/store/index.js");
    expect(diskStore({ root: "/nonexistent-root", cwd: "/" }).inbox).toBeUndefined();
  });
});

describe.skipIf(!postgresAvailable())("the session inbox on Postgres", () => {
  let cluster: Cluster;
  beforeAll(() => {
    cluster = startCluster();
  });
  afterAll(() => cluster?.stop());

  it("migrates a version 1 database: its sessions get inboxes", async () => {
    const first = await postgresStore({ url: cluster.url, schema: "older" });
    await first.create({ manifest: manifestFor("old-1") });
    await first.close();
    const { Client } = (await import("pg")).default;
    const client = new Client({ connectionString: cluster.url });
    await client.connect();
    await client.query("DROP TABLE older.escapement_inbox");
    await client.query("UPDATE older.escapement_meta SET value = '1' WHERE key = 'schema_version'");
    await client.end();
    const store = await postgresStore({ url: cluster.url, schema: "older" });
    try {
      expect(await store.inbox!.post("old-1", answer("p-1", "yes"))).toBe(1);
      expect((await store.inbox!.read("old-1", 0)).length).toBe(1);
    } finally {
      await store.close();
    }
  });

  it("numbers, reads back and notifies across connections", async () => {
    const store = await postgresStore({ url: cluster.url, schema: "inbox" });
    const other = await postgresStore({ url: cluster.url, schema: "inbox" });
    try {
      await behavesAsAnInbox(store, other);
    } finally {
      await store.close();
      await other.close();
    }
  });
});
