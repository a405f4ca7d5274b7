/**
 * A session whose run died before its first checkpoint: a resume refuses it as it stands, and a
 * worker sets its rows aside so the run starts over in the same session and ends as a run that
 * never died (memory store, real runs of examples/hello on its script).
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import helloChart from "../../../examples/hello/chart.js";
import { runChart } from "../../src/engine/runner.js";
import { readScriptFile, scriptedModel } from "../../src/llm/index.js";
import { setAsideUnstarted } from "../../src/pool/unstarted-session.js";
import { sequentialIds } from "../../src/runtime/ids.js";
import type { SessionManifest } from "../../src/runtime/session-dir.js";
import type { TranscriptRow } from "../../src/runtime/transcript-row.js";
import { memoryStore, type SessionStore } from "../../src/store/index.js";
import { repo } from "../lib/helpers.js";

const script = () => readScriptFile(join(repo, "examples/hello/script.json"));

const runHello = async (store: SessionStore, sessionId: string, resume: boolean) =>
  runChart({
    chart: helloChart,
    model: scriptedModel(await script()),
    store,
    ids: { ...sequentialIds("unstarted"), sessionId: () => sessionId },
    ...(resume ? { resume: sessionId } : {}),
  });

const collect = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};

/** A session as a run killed right after its first rows were stored leaves it: rows, no checkpoint. */
const diedBeforeCheckpoint = async (store: SessionStore, sessionId: string): Promise<SessionManifest> => {
  const manifest: SessionManifest = { sessionId, chartId: "hello", chartModule: join(repo, "examples/hello/chart.ts"), createdAt: 1, status: "running" };
  const writer = await store.create({ manifest });
  const row: TranscriptRow = { seq: 1, ts: 1, event: "runner/started", data: { sessionId, runId: "run-dead", chartId: "hello", resumed: false } };
  if (typeof writer.transcript === "string") throw new Error("the memory store writes through sinks");
  await writer.transcript.append(`${JSON.stringify(row)}\n`, [row]);
  await writer.durable();
  return manifest;
};

const shape = (rows: readonly TranscriptRow[]) => rows.map((row) => row.event);

describe("a session whose run died before its first checkpoint", () => {
  it("cannot be resumed as it stands; set aside, it runs again from the start and ends done", async () => {
    const store = memoryStore();
    const manifest = await diedBeforeCheckpoint(store, "s1");
    await expect(runHello(store, "s1", true)).rejects.toThrow("has a transcript but no checkpoint");

    expect(await setAsideUnstarted(store, "s1", manifest)).toBe(true);
    expect((await store.manifest("s1")).status).toBe("interrupted");
    expect(await collect(store.rows("s1"))).toEqual([]);
    const aside = [];
    for await (const file of store.files("s1")) if (file.path.startsWith("orphaned-after-0")) aside.push(file.path);
    expect(aside).toEqual(["orphaned-after-0.jsonl"]);

    const result = await runHello(store, "s1", true);
    expect(result.status).toBe("done");
    const rows = await collect(store.rows("s1"));
    expect(rows.map((row) => row.seq)).toEqual(rows.map((_, index) => index + 1));
    // The rows of a run that never died.
    const plain = memoryStore();
    await runHello(plain, "s2", false);
    expect(shape(rows)).toEqual(shape(await collect(plain.rows("s2"))));
  });

  it("leaves alone a session with a checkpoint, and one with no rows", async () => {
    const store = memoryStore();
    await runHello(store, "done", false);
    expect(await setAsideUnstarted(store, "done", await store.manifest("done"))).toBe(false);
    const empty: SessionManifest = { sessionId: "empty", chartId: "hello", chartModule: "/x", createdAt: 1, status: "running" };
    await store.create({ manifest: empty });
    expect(await setAsideUnstarted(store, "empty", empty)).toBe(false);
  });
});
