/**
 * Workers on many machines, here two processes on one: runs submitted with `escapement submit` to
 * the job queue of a throwaway Postgres cluster, taken by two workers. The first worker (a program
 * calling `startWorker()`) is SIGKILLed while its run waits for its second model call; the second
 * (`escapement worker`) runs the other jobs, and once the first stops heartbeating takes its job
 * again and resumes its session from the last checkpoint. Every run ends `done`, each transcript is
 * gap-free, and no model call is paid twice: each session asked the bundled cassette for its two
 * answers once each.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TranscriptRow } from "../../src/runtime/transcript-row.js";
import { postgresStore } from "../../src/store/index.js";
import { cli, runCli, scratch } from "../examples/harness.js";
import { repo } from "../lib/helpers.js";
import { postgresAvailable, startCluster, type Cluster } from "../store/postgres-cluster.js";
import { startNode, type NodeProcess } from "../support/node-process.js";
import { collect, until } from "../support/waiting.js";

const work = scratch("queue-workers");
const RUNS = 4;
const HEARTBEAT = 10;

/**
 * The first worker: a program on the built core whose model answers the first call of each run from
 * the cassette and never answers the second, saying "calling 2 <session>" as it starts.
 */
const host = (url: string): string => `
import { startWorker } from ${JSON.stringify(join(repo, "core/dist/index.js"))};
import { CassetteModel, loadCassette } from ${JSON.stringify(join(repo, "core/dist/llm/cassette/index.js"))};

const cassette = await loadCassette(${JSON.stringify(join(repo, "examples/artifacts/cassette.jsonl"))}, "artifacts");
const worker = await startWorker({
  store: ${JSON.stringify(url)},
  concurrency: 1,
  heartbeatSeconds: ${HEARTBEAT},
  model: ({ sessionId }) => {
    const inner = new CassetteModel(cassette, { mode: "strict", timing: "instant" });
    let calls = 0;
    return {
      assertAlias: (alias) => inner.assertAlias(alias),
      call: (request, options) => {
        if (++calls === 1) return inner.call(request, options);
        console.log("calling " + calls + " " + sessionId);
        // Never answered; given up when the run is stopped.
        return new Promise((_, fail) => options.signal.addEventListener("abort", () => fail(options.signal.reason), { once: true }));
      },
    };
  },
});
// Stopped as \`escapement worker\` stops on SIGTERM.
process.once("SIGTERM", () => void worker.stop().then(() => process.exit(0)));
console.log("ready");
`;

const start = (args: string[]): NodeProcess => startNode(args, work);

const count = (rows: readonly TranscriptRow[], event: string): number => rows.filter((row) => row.event === event).length;

describe.skipIf(!postgresAvailable())("workers taking runs from a Postgres job queue", () => {
  let cluster: Cluster;
  const procs: NodeProcess[] = [];
  beforeAll(() => {
    cluster = startCluster();
  });
  afterAll(() => {
    for (const proc of procs) proc.child.kill("SIGKILL");
    cluster?.stop();
  });

  it("finish every run, the one of a worker killed mid-run resumed by another without paying a model call twice", { timeout: 150_000 }, async () => {
    const file = join(work, "worker-a.mjs");
    writeFileSync(file, host(cluster.url));
    // Plain JavaScript run by node itself: the process killed is the one holding the job.
    const a = start([file]);
    procs.push(a);
    await until(
      () => a.out().includes("ready"),
      () => `worker A to start\n${a.err()}`,
      60_000,
    );

    const sessions: string[] = [];
    for (let i = 0; i < RUNS; i++) {
      const submitted = await runCli(["submit", join(repo, "examples/artifacts"), "--store", cluster.url, "--heartbeat", String(HEARTBEAT)], {
        cwd: work,
        deadlineMs: 30_000,
      });
      expect(submitted.code, submitted.stderr).toBe(0);
      sessions.push(submitted.stdout.trim());
    }
    expect(new Set(sessions).size).toBe(RUNS);

    // Worker A holds one run, stuck at its second model call.
    await until(
      () => /calling 2 (\S+)/.test(a.out()),
      () => `worker A's second model call\n${a.out()}\n${a.err()}`,
      60_000,
    );
    const killed = /calling 2 (\S+)/.exec(a.out())![1]!;
    expect(sessions).toContain(killed);

    const b = start([cli, "worker", "--store", cluster.url, "--concurrency", "2"]);
    procs.push(b);
    a.child.kill("SIGKILL");
    await a.exited;

    const store = await postgresStore({ url: cluster.url });
    try {
      // A session not started yet is missing from the store.
      const status = async (id: string) => (await store.manifest(id).catch(() => undefined))?.status;
      await until(
        async () => (await Promise.all(sessions.map(status))).every((s) => s === "done"),
        () => `every run done\nworker B:\n${b.err()}`,
        90_000,
      );

      for (const id of sessions) {
        const rows = await collect(store.rows(id));
        expect(
          rows.map((row) => row.seq),
          id,
        ).toEqual(rows.map((_, index) => index + 1));
        // The cassette's two answers, each asked for once.
        expect(count(rows, "llm/response"), id).toBe(2);
        expect(await store.artifacts(id)).toEqual(["critique", "draft"]);
        const resumedAt = rows.findIndex((row) => row.event === "runner/resumed");
        if (id !== killed) {
          expect(resumedAt, id).toBe(-1);
          expect(count(rows, "llm/request"), id).toBe(2);
          continue;
        }
        // Resumed on worker B: the draft's answer was stored before the kill, so only the critique is asked for.
        expect(resumedAt).toBeGreaterThan(0);
        expect(count(rows.slice(resumedAt), "llm/request")).toBe(1);
        expect(count(rows.slice(0, resumedAt), "llm/response")).toBe(1);
      }
      expect(b.err()).toMatch(new RegExp(`session ${killed} \\(.*\\), attempt 2`));
    } finally {
      await store.close();
    }

    // Stopped with SIGTERM: it stops taking jobs and exits cleanly.
    b.child.kill("SIGTERM");
    expect(await b.exited, b.err()).toBe(0);
  });

  it("stopped with SIGTERM, a worker leaves its running session interrupted, and another worker resumes it", { timeout: 120_000 }, async () => {
    const file = join(work, "worker-c.mjs");
    writeFileSync(file, host(cluster.url));
    const c = start([file]);
    procs.push(c);
    await until(
      () => c.out().includes("ready"),
      () => `worker C to start\n${c.err()}`,
      60_000,
    );
    const submitted = await runCli(["submit", join(repo, "examples/artifacts"), "--store", cluster.url], { cwd: work, deadlineMs: 30_000 });
    expect(submitted.code, submitted.stderr).toBe(0);
    const session = submitted.stdout.trim();
    await until(
      () => c.out().includes(`calling 2 ${session}`),
      () => `worker C's second model call\n${c.out()}\n${c.err()}`,
      60_000,
    );

    c.child.kill("SIGTERM");
    expect(await c.exited, c.err()).toBe(0);
    const store = await postgresStore({ url: cluster.url });
    try {
      expect(await store.manifest(session)).toMatchObject({ status: "interrupted" });
      const d = start([cli, "worker", "--store", cluster.url]);
      procs.push(d);
      await until(
        async () => (await store.manifest(session)).status === "done",
        () => `the session done\nworker D:\n${d.err()}`,
        60_000,
      );
      const rows = await collect(store.rows(session));
      expect(rows.map((row) => row.seq)).toEqual(rows.map((_, index) => index + 1));
      const resumedAt = rows.findIndex((row) => row.event === "runner/resumed");
      expect(resumedAt).toBeGreaterThan(0);
      expect(count(rows.slice(resumedAt), "llm/request")).toBe(1);
      expect(count(rows, "llm/response")).toBe(2);
      d.child.kill("SIGTERM");
      expect(await d.exited, d.err()).toBe(0);
    } finally {
      await store.close();
    }
  });

  it("refuses a store that is not Postgres in one line (exit 2)", async () => {
    const submitted = await runCli(["submit", join(repo, "examples/artifacts"), "--store", "memory"], { cwd: work });
    expect(submitted.code).toBe(2);
    expect(submitted.stderr.trim()).toBe("escapement: submit needs --store postgres://…: the job queue lives in the Postgres store, not the memory store");
  });
});
