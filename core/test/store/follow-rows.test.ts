/**
 * Following a session's transcript as another writer appends to it (follow-rows.ts): every row once
 * and in order, until the run's end; the rows again from the first when a resume cut the transcript
 * back; and on Postgres, rows as soon as they are committed (NOTIFY), not at the next poll.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SessionManifest } from "../../src/runtime/session-dir.js";
import type { TranscriptRow } from "../../src/runtime/transcript-row.js";
import { followRows, memoryStore, postgresStore, type SessionStore, type SessionWriter } from "../../src/store/index.js";
import { postgresAvailable, startCluster, type Cluster } from "./postgres-cluster.js";

const manifestOf = (sessionId: string, status: SessionManifest["status"] = "running"): SessionManifest => ({
  sessionId,
  chartId: "follow",
  chartModule: "",
  createdAt: 1_000,
  status,
});

const line = (seq: number, message = `row ${seq} é`): string =>
  `${JSON.stringify({ seq, ts: 1_000 + seq, event: "runner/notice", data: { code: "n", message } })}\n`;

const append = async (writer: SessionWriter, text: string): Promise<void> => {
  if (typeof writer.transcript === "string") throw new Error("expected a sink");
  await writer.transcript.append(text, []);
};

/** Resolves once `probe` holds, checking every 10 ms; fails after `ms`. */
async function until(probe: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Follows `key`, keeping what it was handed. */
function follow(store: SessionStore, key: string, pollMs: number, readBytes?: number) {
  const seen: number[] = [];
  let resets = 0;
  const stop = new AbortController();
  const ended = followRows(store, key, {
    pollMs,
    signal: stop.signal,
    ...(readBytes === undefined ? {} : { readBytes }),
    onRows: (rows: readonly TranscriptRow[]) => seen.push(...rows.map((row) => row.seq)),
    onReset: () => {
      resets += 1;
      seen.length = 0;
    },
  });
  return { seen, resets: () => resets, ended, stop: () => stop.abort() };
}

describe("following a session's rows", () => {
  it("hands over each row once, in order, as it lands, lines longer than a read included, until the run ends", async () => {
    const store = memoryStore();
    const writer = await store.create({ manifest: manifestOf("s1") });
    // Reads of 40 bytes: every row is longer, so each is read across several.
    const followed = follow(store, "s1", 5, 40);
    await append(writer, line(1) + line(2));
    await until(() => followed.seen.length === 2, "rows 1 and 2");
    // Half a line is not a row yet.
    const third = line(3);
    await append(writer, third.slice(0, 20));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(followed.seen).toEqual([1, 2]);
    await append(writer, third.slice(20) + line(4, "x".repeat(500)));
    await writer.writeManifest(manifestOf("s1", "done"));
    expect(await followed.ended).toBe("done");
    expect(followed.seen).toEqual([1, 2, 3, 4]);
  });

  it("hands the rows over again from the first when a resume cut the transcript back", async () => {
    const store = memoryStore();
    const writer = await store.create({ manifest: manifestOf("s2") });
    await append(writer, line(1) + line(2) + line(3));
    const followed = follow(store, "s2", 5);
    await until(() => followed.seen.length === 3, "rows 1 to 3");
    // A resume from the checkpoint after row 1: rows 2 and 3 set aside, written again differently.
    const resumed = await store.reopen(
      "s2",
      [{ path: "transcript.jsonl", keep: Buffer.byteLength(line(1)), aside: { prefix: "aside", suffix: ".jsonl" } }],
      manifestOf("s2"),
    );
    await append(resumed, line(2, "again") + line(3, "again") + line(4, "again"));
    await resumed.writeManifest(manifestOf("s2", "error"));
    expect(await followed.ended).toBe("error");
    expect(followed.resets()).toBe(1);
    expect(followed.seen).toEqual([1, 2, 3, 4]);
  });

  it("stops when asked, the run going on", async () => {
    const store = memoryStore();
    await store.create({ manifest: manifestOf("s3") });
    const followed = follow(store, "s3", 5);
    followed.stop();
    expect(await followed.ended).toBeUndefined();
    expect((await store.manifest("s3")).status).toBe("running");
  });
});

describe.skipIf(!postgresAvailable())("following a session in the Postgres store", () => {
  let cluster: Cluster;
  let writerStore: SessionStore;
  let readerStore: SessionStore;
  beforeAll(async () => {
    cluster = startCluster();
    writerStore = await postgresStore({ url: cluster.url });
    readerStore = await postgresStore({ url: cluster.url });
  });
  afterAll(async () => {
    await writerStore?.close();
    await readerStore?.close();
    cluster?.stop();
  });

  it("gets rows as soon as they are committed, told by the store, not at the next poll", { timeout: 60_000 }, async () => {
    const writer = await writerStore.create({ manifest: manifestOf("pg-1") });
    // A poll an hour away: only the store's notification can bring the rows.
    const followed = follow(readerStore, "pg-1", 3_600_000);
    // The follower reads once at its start; the rows after that come with the notification.
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (let seq = 1; seq <= 5; seq++) {
      await append(writer, line(seq));
      await until(() => followed.seen.length === seq, `row ${seq}`);
    }
    await writer.writeManifest(manifestOf("pg-1", "done"));
    expect(await followed.ended).toBe("done");
    expect(followed.seen).toEqual([1, 2, 3, 4, 5]);
  });
});
