/**
 * Parking on workers, on a throwaway Postgres cluster: a worker parks a session waiting on a prompt
 * (its job completed, its claim released: no run holds it), `escapement answer` wakes it on another
 * worker (and a post straight to its inbox wakes it too), and the session ends `done` with the
 * transcript of a run that never parked. A session
 * waiting on a long timer parks and is woken at the timer's due time. Answering twice, a session
 * with no waiting prompt and an invalid answer are refused with one clear line each.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import askChart from "../../../examples/ask/chart.js";
import { runChart } from "../../src/engine/runner.js";
import { ScriptedHuman } from "../../src/human/index.js";
import { CassetteModel, loadCassette } from "../../src/llm/cassette/index.js";
import { sequentialIds } from "../../src/runtime/ids.js";
import type { TranscriptRow } from "../../src/runtime/transcript-row.js";
import { memoryStore, postgresStore, type SessionStore } from "../../src/store/index.js";
import { openRunQueue, sendWake } from "../../src/pool/run-queue.js";
import { cli, runCli, scratch } from "../examples/harness.js";
import { repo } from "../lib/helpers.js";
import { postgresAvailable, startCluster, type Cluster } from "../store/postgres-cluster.js";
import { unparkedShape } from "./parked-transcript.js";
import { until } from "../support/waiting.js";

const work = scratch("queue-parking");
const ask = join(repo, "examples/ask");
const longTimer = join(repo, "core/test/pool/fixtures/long-timer");

interface Proc {
  child: ChildProcess;
  err: () => string;
  exited: Promise<number | null>;
}

const startWorker = (url: string): Proc => {
  const child = spawn(process.execPath, [cli, "worker", "--store", url, "--park-after", "300", "--park-timer", "1000"], {
    cwd: work,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  child.stderr!.on("data", (chunk) => (err += chunk));
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
  return { child, err: () => err, exited };
};

const rowsOf = async (store: SessionStore, id: string): Promise<TranscriptRow[]> => {
  const rows: TranscriptRow[] = [];
  for await (const row of store.rows(id)) rows.push(row);
  return rows;
};

describe.skipIf(!postgresAvailable())("parked sessions on workers", () => {
  let cluster: Cluster;
  let store: SessionStore;
  const procs: Proc[] = [];
  beforeAll(async () => {
    cluster = startCluster();
    store = await postgresStore({ url: cluster.url });
  });
  afterAll(async () => {
    for (const proc of procs) proc.child.kill("SIGKILL");
    await store?.close();
    cluster?.stop();
  });

  const parkedOn = async (id: string): Promise<string[] | undefined> => {
    const manifest = await store.manifest(id).catch(() => undefined);
    return manifest?.status === "parked" ? manifest.parked?.prompts : undefined;
  };
  const jobStates = async (id: string): Promise<string[]> => {
    const { Client } = (await import("pg")).default;
    const client = new Client({ connectionString: cluster.url });
    await client.connect();
    try {
      const found = await client.query<{ state: string }>("SELECT state FROM pgboss.job WHERE data->>'sessionId' = $1 ORDER BY created_on", [id]);
      return found.rows.map((row) => row.state);
    } finally {
      await client.end();
    }
  };

  it("parks on a prompt, and an answer wakes it on another worker; it ends as an unparked run", { timeout: 150_000 }, async () => {
    const a = startWorker(cluster.url);
    procs.push(a);
    const submitted = await runCli(["submit", ask, "--store", cluster.url], { cwd: work, deadlineMs: 30_000 });
    expect(submitted.code, submitted.stderr).toBe(0);
    const id = submitted.stdout.trim();
    await until(
      async () => (await parkedOn(id))?.[0] === "name",
      () => `session ${id} parked on "name"\n${a.err()}`,
      60_000,
    );
    // Its job is completed and no process holds the session.
    await until(
      async () => (await jobStates(id)).every((state) => state === "completed"),
      () => `job of ${id} completed`,
      10_000,
    );
    expect(await store.liveRun(id)).toBeUndefined();
    expect(a.err()).toContain(`session ${id} parked`);
    // The session commands show it parked, and on what.
    const shown = await runCli(["show", id, "--store", cluster.url], { cwd: work, deadlineMs: 30_000 });
    expect(shown.stdout).toContain(`session ${id}  chart ask  status parked`);
    expect(shown.stdout).toMatch(/\nparked since .+, waiting on an answer to prompt name \(escapement answer\)\n/);
    const listed = await runCli(["list", "--store", cluster.url], { cwd: work, deadlineMs: 30_000 });
    expect(listed.stdout).toMatch(new RegExp(`${id}\\s+ask\\s+parked`));

    // Worker A goes; B takes the wake.
    a.child.kill("SIGTERM");
    expect(await a.exited).toBe(0);
    const b = startWorker(cluster.url);
    procs.push(b);

    const invalid = await runCli(["answer", id, "42", "--store", cluster.url], { cwd: work, deadlineMs: 30_000 });
    expect(invalid.code).toBe(2);
    expect(invalid.stderr.trim()).toMatch(new RegExp(`^escapement: not an answer to prompt "name" of session ${id}: .+$`));

    const answered = await runCli(["answer", id, '"Ada"', "--store", cluster.url], { cwd: work, deadlineMs: 30_000 });
    expect(answered.code, answered.stderr).toBe(0);
    expect(answered.stdout).toBe(`answered prompt name of session ${id} (woken from parked)\n`);
    await until(
      async () => (await parkedOn(id))?.[0] === "tone",
      () => `session ${id} parked on "tone"\n${b.err()}`,
      60_000,
    );
    expect(b.err()).toMatch(new RegExp(`wake \\(answer\\) of session ${id}`));

    // (B completes the wake it ran: a worker stopped mid-job would hand the job back to the queue.)
    await until(
      async () => (await jobStates(id)).every((state) => state === "completed"),
      () => `jobs of ${id} completed\n${b.err()}`,
      10_000,
    );

    // A second wake for the answer taken already (queued late by a worker that saw the post) finds
    // nothing answering the prompt it parked on now: no run starts, the session stays parked.
    const rowsBefore = (await rowsOf(store, id)).length;
    const jobsBefore = (await jobStates(id)).length;
    const boss = await openRunQueue(cluster.url);
    try {
      await sendWake(boss, { chart: (await store.manifest(id)).chartModule, sessionId: id }, "answer");
    } finally {
      await boss.stop({ graceful: false });
    }
    await until(
      async () => (await jobStates(id)).length === jobsBefore + 1 && (await jobStates(id)).every((state) => state === "completed"),
      () => `the second wake of ${id} completed\n${b.err()}`,
      30_000,
    );
    expect((await rowsOf(store, id)).length).toBe(rowsBefore);
    expect(await parkedOn(id)).toEqual(["tone"]);

    // With no worker up, answered twice: the second is refused, the first waits for a worker with its wake.
    b.child.kill("SIGTERM");
    expect(await b.exited).toBe(0);
    const tone = await runCli(["answer", id, "--prompt", "tone", '"friendly"', "--store", cluster.url], { cwd: work, deadlineMs: 30_000 });
    expect(tone.code, tone.stderr).toBe(0);
    const twice = await runCli(["answer", id, '"pirate"', "--store", cluster.url], { cwd: work, deadlineMs: 30_000 });
    expect(twice.code).toBe(2);
    expect(twice.stderr).toBe(`escapement: prompt "tone" of session ${id} was answered already; its run has not taken the answer yet\n`);
    const c = startWorker(cluster.url);
    procs.push(c);
    await until(
      async () => (await parkedOn(id))?.[0] === "approve",
      () => `session ${id} parked on "approve"\n${c.err()}`,
      60_000,
    );

    // Posted straight to the inbox (as a renderer attached through the store does): a worker queues the wake.
    await store.inbox!.post(id, { kind: "answer", promptId: "approve", answer: { value: true } });
    await until(
      async () => (await store.manifest(id)).status === "done",
      () => `session ${id} done\n${c.err()}`,
      60_000,
    );

    const ended = await runCli(["answer", id, "true", "--store", cluster.url], { cwd: work, deadlineMs: 30_000 });
    expect(ended.code).toBe(2);
    expect(ended.stderr).toBe(`escapement: session ${id} has ended (status done): no prompt to answer\n`);

    // The same run in one process, never parked.
    const plain = memoryStore();
    const model = new CassetteModel(await loadCassette(join(ask, "cassette.jsonl"), "ask"), { mode: "strict", timing: "instant" });
    const unparked = await runChart({
      chart: askChart,
      model,
      store: plain,
      ids: { ...sequentialIds("plain"), sessionId: () => id },
      human: new ScriptedHuman([{ value: "Ada" }, { value: "friendly" }, { value: true }]),
    });
    expect(unparked.status).toBe("done");
    expect(unparkedShape(await rowsOf(store, id))).toEqual(unparkedShape(await rowsOf(plain, id)));
    c.child.kill("SIGTERM");
    expect(await c.exited).toBe(0);
  });

  it("parks on a long timer and is woken at its due time", { timeout: 120_000 }, async () => {
    const worker = startWorker(cluster.url);
    procs.push(worker);
    const submitted = await runCli(["submit", longTimer, "--store", cluster.url, "--param", "delayMs=5000"], { cwd: work, deadlineMs: 30_000 });
    expect(submitted.code, submitted.stderr).toBe(0);
    const id = submitted.stdout.trim();
    await until(
      async () => (await store.manifest(id).catch(() => undefined))?.status === "parked",
      () => `session ${id} parked\n${worker.err()}`,
      60_000,
    );
    const manifest = await store.manifest(id);
    expect(manifest.parked?.prompts).toEqual([]);
    const dueAt = manifest.parked!.dueAt!;
    expect(dueAt).toBeGreaterThan(manifest.createdAt);
    expect(await store.liveRun(id)).toBeUndefined();
    const shown = await runCli(["show", id, "--store", cluster.url], { cwd: work, deadlineMs: 30_000 });
    expect(shown.stdout).toMatch(/\nparked since .+, waiting on its timer, due .+\n/);

    const none = await runCli(["answer", id, "true", "--store", cluster.url], { cwd: work, deadlineMs: 30_000 });
    expect(none.code).toBe(2);
    expect(none.stderr).toBe(`escapement: session ${id} has no prompt waiting for an answer\n`);

    await until(
      async () => (await store.manifest(id)).status === "done",
      () => `session ${id} done\n${worker.err()}`,
      60_000,
    );
    const rows = await rowsOf(store, id);
    const fired = rows.find((row) => row.event === "runner/event-processed");
    // Fired at its due time (the wake's poll adds up to a second), not restarted on the wake.
    expect(fired!.ts).toBeGreaterThanOrEqual(dueAt);
    expect(fired!.ts - dueAt).toBeLessThan(3000);
    expect(worker.err()).toMatch(new RegExp(`wake \\(timer\\) of session ${id}`));
    worker.child.kill("SIGTERM");
    expect(await worker.exited).toBe(0);
  });
});
