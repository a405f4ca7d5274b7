/**
 * `escapement run --resume <id> --store ...`, and a Postgres session whose process is killed with
 * SIGKILL, resumed by another process: the first
 * process runs the artifacts example into Postgres and is killed as its second model call starts
 * (the first answer is stored, the second never came); `escapement run --resume <id> --store
 * postgres://...` in a new process takes the session from its last checkpoint to `done`. No row is
 * lost or written twice (seq gap-free, the chart's steps those of an uninterrupted run), and the
 * answered call is not made again.
 */
import { spawn } from "node:child_process";
import { pathToFileURL } from "node:url";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import artifactsChart from "../../../examples/artifacts/chart.js";
import { memoryStore, run } from "../../src/index.js";
import { CassetteModel, loadCassette } from "../../src/llm/cassette/index.js";
import { sequentialIds } from "../../src/runtime/ids.js";
import type { TranscriptRow } from "../../src/runtime/transcript-row.js";
import { postgresStore } from "../../src/store/index.js";
import { runCli, scratch } from "../examples/harness.js";
import { repo } from "../lib/helpers.js";
import { postgresAvailable, startCluster, type Cluster } from "./postgres-cluster.js";

const work = scratch("store-sigkill");
const SESSION = "sigkill-session-1";

/**
 * The first process: runs the example into Postgres; says "calling 2" as its second model call
 * starts, which never returns. It runs the built core, the one the example's chart imports.
 */
const host = (url: string): string => `
import { run, postgresStore } from ${JSON.stringify(join(repo, "core/dist/index.js"))};
import { CassetteModel, loadCassette } from ${JSON.stringify(join(repo, "core/dist/llm/cassette/index.js"))};
import { sequentialIds } from ${JSON.stringify(join(repo, "core/dist/runtime/ids.js"))};
import chart from ${JSON.stringify(join(repo, "examples/artifacts/chart.ts"))};

const inner = new CassetteModel(await loadCassette(${JSON.stringify(join(repo, "examples/artifacts/cassette.jsonl"))}, "artifacts"), { mode: "strict", timing: "instant" });
let calls = 0;
const model = {
  assertAlias: (alias) => inner.assertAlias(alias),
  call: (request, options) => {
    if (++calls === 1) return inner.call(request, options);
    console.log("calling " + calls);
    return new Promise(() => {});
  },
};
const store = await postgresStore({ url: ${JSON.stringify(url)} });
await run({ chart, model, store, ids: sequentialIds("sigkill"), workDir: ${JSON.stringify(join(work, "work"))} });
`;

/** Runs the host; SIGKILLs it once it says "calling 2". */
const runAndKill = (file: string): Promise<{ killed: boolean; stderr: string }> =>
  new Promise((done, fail) => {
    // tsx's loader in this very process: tsx's CLI would run the host in a child of its own, which a
    // SIGKILL of the CLI leaves running (still holding the session's claim).
    const tsx = join(repo, "node_modules/tsx/dist");
    const child = spawn(process.execPath, ["--require", join(tsx, "preflight.cjs"), "--import", pathToFileURL(join(tsx, "loader.mjs")).href, file], {
      cwd: work,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    let killed = false;
    child.stdout.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("calling 2")) {
        killed = true;
        child.kill("SIGKILL");
      }
    });
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const deadline = setTimeout(() => {
      child.kill("SIGKILL");
      fail(new Error(`the host never reached its second model call\n${stderr}`));
    }, 90_000);
    child.on("exit", () => {
      clearTimeout(deadline);
      done({ killed, stderr });
    });
  });

const collect = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};

const chartSteps = (rows: readonly TranscriptRow[]) =>
  rows
    .filter((row) => row.event === "runner/event-processed")
    .map((row) => ({ event: (row.data as { event: string }).event, after: (row.data as { after: string[] }).after }));

describe.skipIf(!postgresAvailable())("a Postgres session killed with SIGKILL", () => {
  let cluster: Cluster;
  beforeAll(() => {
    cluster = startCluster();
  });
  afterAll(() => cluster?.stop());

  it("is resumed by another process from its last checkpoint to done, without paying for the stored answer again", { timeout: 120_000 }, async () => {
    const file = join(work, "host.mts");
    writeFileSync(file, host(cluster.url));
    const first = await runAndKill(file);
    expect(first.killed, first.stderr).toBe(true);

    const store = await postgresStore({ url: cluster.url });
    try {
      expect(await store.manifest(SESSION)).toMatchObject({ status: "running" });
      const before = await collect(store.rows(SESSION));
      expect(before.filter((row) => row.event === "llm/response")).toHaveLength(1);

      const resumed = await runCli(["run", join(repo, "examples/artifacts"), "--resume", SESSION, "--store", cluster.url, "--no-tui"], {
        cwd: work,
        deadlineMs: 60_000,
      });
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(JSON.parse(resumed.stdout.trim().split("\n").at(-1)!)).toMatchObject({
        sessionId: SESSION,
        status: "done",
        finalConfig: ["done"],
        sessionDir: `postgres:${SESSION}`,
      });

      const rows = await collect(store.rows(SESSION));
      expect(rows.map((row) => row.seq)).toEqual(rows.map((_, index) => index + 1));
      expect(await store.manifest(SESSION)).toMatchObject({ status: "done" });
      // The resumed run asked only for the critique: the draft's answer was stored before the kill.
      const resumedAt = rows.findIndex((row) => row.event === "runner/resumed");
      expect(resumedAt).toBeGreaterThan(0);
      const requestsAfter = rows.slice(resumedAt).filter((row) => row.event === "llm/request");
      expect(requestsAfter).toHaveLength(1);
      expect(rows.filter((row) => row.event === "llm/response")).toHaveLength(2);

      // The chart went through what an uninterrupted run goes through, and kept the same artifacts.
      const reference = memoryStore();
      const model = new CassetteModel(await loadCassette(join(repo, "examples/artifacts/cassette.jsonl"), "artifacts"), { mode: "strict", timing: "instant" });
      const whole = await run({ chart: artifactsChart, model, store: reference, ids: sequentialIds("sigkill"), workDir: join(work, "work") });
      expect(whole.status).toBe("done");
      expect(chartSteps(rows)).toEqual(chartSteps(await collect(reference.rows(SESSION))));
      expect(await store.artifacts(SESSION)).toEqual(["critique", "draft"]);
      for (const name of ["draft", "critique"]) expect(await store.artifact(SESSION, name)).toEqual(await reference.artifact(SESSION, name));
    } finally {
      await store.close();
    }
  });

  it("finds the chart a session of the store records, and refuses to resume a finished one in one line (exit 2)", { timeout: 60_000 }, async () => {
    const first = await runCli(["run", join(repo, "examples/artifacts"), "--no-tui", "--store", cluster.url], { cwd: work, deadlineMs: 30_000 });
    expect(first.code, first.stderr).toBe(0);
    const { sessionId } = JSON.parse(first.stdout.trim().split("\n").at(-1)!) as { sessionId: string };
    const again = await runCli(["run", "--resume", sessionId, "--store", cluster.url, "--no-tui"], { cwd: work });
    expect(again.code).toBe(2);
    // After the line naming the model source (the example's cassette), which says the chart was found.
    expect(again.stderr.trim().split("\n").at(-1)).toBe(`escapement: session ${sessionId} already finished (status done); nothing to resume`);
    expect(again.stderr).toContain("model: bundled cassette");
  });
});

describe("escapement run --resume --store memory", () => {
  it("says a memory session is gone with its process, exit 2", async () => {
    const run = await runCli(["run", join(repo, "examples/artifacts"), "--resume", "some-id", "--store", "memory", "--no-tui"], { cwd: work });
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      "escapement: --store memory: a memory session is gone when the process that ran it exits; nothing to resume (resume from disk or postgres://)",
    );
  });
});
