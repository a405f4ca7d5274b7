/**
 * Where a worker's runs work, on a throwaway Postgres cluster. With a work root, each session works
 * in `<root>/<session id>`: two runs of iterate (which writes files and tests them) at once on one
 * worker each write, edit and test their own files and both end `done`, where sharing the worker's
 * directory one would test the files the other had fixed already. A job's own work directory wins
 * over the root. A work directory that is not absolute, or cannot be made, fails its job for good
 * with that reason in one line, and no session is written.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TranscriptRow } from "../../src/runtime/transcript-row.js";
import { openRunQueue, RUN_QUEUE, submittedWorkDir, type RunJobData } from "../../src/pool/run-queue.js";
import { postgresStore, type SessionStore } from "../../src/store/index.js";
import { cli, runCli, scratch } from "../examples/harness.js";
import { repo } from "../lib/helpers.js";
import { postgresAvailable, startCluster, type Cluster } from "../store/postgres-cluster.js";
import { startNode, type NodeProcess } from "../support/node-process.js";
import { collect, until } from "../support/waiting.js";

const work = scratch("queue-work-dirs");
const iterate = join(repo, "examples/iterate");
const FILES = ["fizzbuzz.mjs", "fizzbuzz.test.mjs"];

/**
 * A worker on the built core, its work root `runs` (relative to its directory), running two runs at
 * once on iterate's script; each run's first model call waits until both runs have made theirs, so
 * the two are under way together before either writes a file.
 */
const host = (url: string): string => `
import { readScriptFile, scriptedModel, startWorker } from ${JSON.stringify(join(repo, "core/dist/index.js"))};

const script = await readScriptFile(${JSON.stringify(join(iterate, "script.json"))});
const asking = new Set();
let bothAsking;
const both = new Promise((resolve) => (bothAsking = resolve));
const worker = await startWorker({
  store: ${JSON.stringify(url)},
  concurrency: 2,
  workRoot: "runs",
  model: ({ sessionId }) => {
    const inner = scriptedModel(script);
    return {
      assertAlias: (alias) => inner.assertAlias(alias),
      skipCompleted: (origins) => inner.skipCompleted(origins),
      call: async (request, options) => {
        if (!asking.has(sessionId)) {
          asking.add(sessionId);
          console.log("asking " + sessionId);
          if (asking.size === 2) bothAsking();
          await both;
        }
        return inner.call(request, options);
      },
    };
  },
});
process.once("SIGTERM", () => void worker.stop().then(() => process.exit(0)));
console.log("ready");
`;

const start = (args: string[]): NodeProcess => startNode(args, work);

const submit = async (args: string[] = []): Promise<string> => {
  const submitted = await runCli(["submit", iterate, "--store", cluster.url, ...args], { cwd: work, deadlineMs: 30_000 });
  expect(submitted.code, submitted.stderr).toBe(0);
  return submitted.stdout.trim();
};

/** The session's status; undefined while the store does not hold it. */
const statusOf = async (store: SessionStore, id: string) => (await store.manifest(id).catch(() => undefined))?.status;

/** The fs tools' results: where each wrote, and whether it failed. */
const fileTools = (rows: readonly TranscriptRow[]) =>
  rows
    .filter((row) => row.event === "llm/tool-result" && String((row.data as { name: string }).name).startsWith("fs_"))
    .map((row) => row.data as { name: string; isError: boolean; meta?: { resolvedPath?: string } });

let cluster: Cluster;

describe.skipIf(!postgresAvailable())("the directory a worker's run works in", () => {
  const procs: NodeProcess[] = [];
  beforeAll(() => {
    cluster = startCluster();
  });
  afterAll(() => {
    for (const proc of procs) proc.child.kill("SIGKILL");
    cluster?.stop();
  });

  it("gives each of two runs at once a directory of its own under the work root, and both end done", { timeout: 120_000 }, async () => {
    const file = join(work, "worker.mjs");
    writeFileSync(file, host(cluster.url));
    const worker = start([file]);
    procs.push(worker);
    await until(
      () => worker.out().includes("ready"),
      () => `the worker to start\n${worker.err()}`,
      60_000,
    );
    const sessions = [await submit(), await submit()];

    const store = await postgresStore({ url: cluster.url });
    try {
      await until(
        async () => (await Promise.all(sessions.map((id) => statusOf(store, id)))).every((status) => status === "done"),
        () => `both runs done\n${worker.out()}\n${worker.err()}`,
        60_000,
      );
      // Both were under way together: each asked its first turn before either got an answer.
      for (const id of sessions) expect(worker.out()).toContain(`asking ${id}`);

      const files = sessions.map((id) => {
        const dir = join(work, "runs", id);
        return Object.fromEntries(FILES.map((name) => [name, readFileSync(join(dir, name), "utf8")]));
      });
      // The same files, each run's own: written, edited once (the multiple-of-15 check moved first), passing.
      expect(files[0]).toEqual(files[1]);
      expect(files[0]!["fizzbuzz.mjs"]).toMatch(/n % 15 === 0\) return "FizzBuzz";\n\s+if \(n % 3 === 0\)/);
      for (const [index, id] of sessions.entries()) {
        const tools = fileTools(await collect(store.rows(id)));
        expect(tools.map((tool) => tool.name)).toEqual(["fs_write", "fs_write", "fs_multi_edit"]);
        for (const tool of tools) {
          expect(tool.isError, `${id} ${tool.name}`).toBe(false);
          expect(tool.meta?.resolvedPath?.startsWith(join(work, "runs", id) + "/"), `${index}: ${tool.meta?.resolvedPath}`).toBe(true);
        }
      }
      // Nothing in the worker's own directory.
      for (const name of FILES) expect(existsSync(join(work, name)), name).toBe(false);
    } finally {
      await store.close();
    }
    worker.child.kill("SIGTERM");
    expect(await worker.exited, worker.err()).toBe(0);
  });

  it("works in a job's own directory over the root, and fails a job whose directory is refused, in one line", { timeout: 120_000 }, async () => {
    writeFileSync(join(work, "a-file"), "in the way\n");
    // Refused at submit: the directory is the workers', a relative one could name anything there.
    const relative = await runCli(["submit", iterate, "--store", cluster.url, "--work-dir", "fizz"], { cwd: work, deadlineMs: 30_000 });
    expect(relative.code).toBe(2);
    expect(relative.stderr.trim()).toBe(`escapement: --work-dir must be an absolute path on the workers' machines, got "fizz"`);
    // A worker whose root cannot be made does not start.
    const badRoot = await runCli(["worker", "--store", cluster.url, "--work-root", "a-file/runs"], { cwd: work, deadlineMs: 30_000 });
    expect(badRoot.code).toBe(2);
    expect(badRoot.stderr.trim().split("\n")).toHaveLength(1);
    expect(badRoot.stderr.trim()).toMatch(
      new RegExp(`^escapement: work root ${join(work, "a-file/runs")}: cannot create directory .*: .* is a file, not a directory \\(ENOTDIR\\)$`),
    );

    const worker = start([cli, "worker", "--store", cluster.url, "--work-root", "roots"]);
    procs.push(worker);
    const chosen = join(work, "chosen");
    const named = await submit(["--work-dir", chosen]);
    const blocked = await submit(["--work-dir", join(work, "a-file", "fizz")]);
    // A job sent by another client, its directory relative.
    const boss = await openRunQueue(cluster.url);
    const store = await postgresStore({ url: cluster.url });
    try {
      const stray: RunJobData = { chart: join(iterate, "chart.ts"), sessionId: "stray-session", workDir: "fizz" };
      await boss.send(RUN_QUEUE, stray);
      const failed = async (sessionId: string) => (await boss.findJobs<RunJobData>(RUN_QUEUE, { data: { sessionId } }))[0];
      await until(
        async () =>
          (await statusOf(store, named)) === "done" && (await failed(blocked))?.state === "failed" && (await failed("stray-session"))?.state === "failed",
        () => `the named run done and two jobs failed\n${worker.err()}`,
        60_000,
      );
      // The job's own directory, not one under the worker's root.
      expect(readFileSync(join(chosen, "fizzbuzz.mjs"), "utf8")).toContain("FizzBuzz");
      expect(existsSync(join(work, "roots", named))).toBe(false);
      // Where a wake queued by whoever answers (knowing the session, not its job) finds the directory.
      expect(await submittedWorkDir(boss, named)).toBe(chosen);
      expect(await submittedWorkDir(boss, "no-such-session")).toBeUndefined();

      // Failed for good on the first attempt, the reason in one line of the worker's log; no session written.
      for (const [sessionId, reason] of [
        [blocked, new RegExp(`failed: work dir ${join(work, "a-file", "fizz")}: cannot create directory .*: .* is a file, not a directory \\(ENOTDIR\\)$`)],
        ["stray-session", /failed: work dir "fizz" is not an absolute path/],
      ] as const) {
        const job = (await failed(sessionId))!;
        expect(job.retryCount, sessionId).toBe(0);
        const line = worker
          .err()
          .split("\n")
          .find((entry) => entry.includes(`session ${sessionId} failed`));
        expect(line, worker.err()).toMatch(reason);
        // The job's output holds the same reason.
        expect((job.output as { message?: string }).message).toBe(line!.slice(line!.indexOf("failed: ") + "failed: ".length));
        expect(await statusOf(store, sessionId)).toBeUndefined();
      }
    } finally {
      await boss.stop({ graceful: false, close: true });
      await store.close();
    }
    worker.child.kill("SIGTERM");
    expect(await worker.exited, worker.err()).toBe(0);
  });
});
