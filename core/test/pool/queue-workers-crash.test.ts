/**
 * Workers that crash, many times: three `escapement worker` processes on a throwaway Postgres
 * cluster take 50 runs of the examples, while a worker picked at random is SIGKILLed at a random
 * moment, ten times over (seeded, so a failure can be replayed), each killed worker replaced so
 * three keep running. Every run ends `done`, and each transcript is the transcript of the same run in
 * one process, ids and times left out: the same chart steps, the same model turns each answered and
 * recorded once, the same artifacts, rows gap-free. What a resume adds is told apart: its
 * `runner/resumed` row, and a turn the kill cut off before its answer was kept, marked
 * `llm/turn-interrupted` and asked again.
 *
 * The flagship example is among them: its fleets' poets and judges are child sessions in the store,
 * resumed with their parent when a kill cuts them short.
 *
 * The workers have a work root, so each session works in a directory of its own: iterate's runs
 * write and test files there, and each ends with the files the same run writes in one process, a
 * resumed run finding what its first worker wrote. Without it, iterate's runs would share the
 * workers' directory, and one would test the files another had fixed already.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TranscriptRow } from "../../src/runtime/transcript-row.js";
import { submitRun } from "../../src/pool/index.js";
import { postgresStore, type SessionStore } from "../../src/store/index.js";
import { cli, resultOf, runCli, scratch } from "../examples/harness.js";
import { repo } from "../lib/helpers.js";
import { prng } from "../support/prng.js";
import { postgresAvailable, startCluster, type Cluster } from "../store/postgres-cluster.js";
import { collect, until } from "../support/waiting.js";

/**
 * The examples that run headless on their bundled recordings. The workers run from the repository's
 * root, as the READMEs do, with a work root: each session works in a directory of its own there.
 * Scan's recording reads `examples/scan/sample`, so its runs are submitted with the repository as
 * their work directory (a job's own directory wins over the worker's root; scan writes nothing).
 */
const EXAMPLES = ["artifacts", "hello", "parallel", "scan", "iterate", "haiku-tournament"];
/**
 * Each example's chart directory. Iterate's chart runs on a copy of its script that does not check
 * the test output (fixtures/iterate-after-kills): a kill that cuts off its shell command leaves the
 * outcome unknown, the resumed run tells the model so instead of running it again, and only a model
 * can answer that by running the tests again.
 */
const chartOf = (example: string): string =>
  example === "iterate" ? join(import.meta.dirname, "fixtures/iterate-after-kills") : join(repo, "examples", example);
/** The work directory a run of these is submitted with. */
const WORK_DIRS: Record<string, string> = { scan: repo };
/** Files iterate's runs write in their work directory, as they end. */
const ITERATE_FILES = ["fizzbuzz.mjs", "fizzbuzz.test.mjs"];
/** Charts whose regions, or the child sessions of whose fleets, run at once (see `shapeOf`). */
const CONCURRENT = new Set(["parallel", "haiku-tournament"]);
const RUNS = 50;
const WORKERS = 3;
const KILLS = 10;
const HEARTBEAT = 10;
const SEED = 22;
const work = scratch("queue-workers-crash");
const workRoot = join(work, "runs");

interface Worker {
  child: ChildProcess;
  err: () => string;
  exited: Promise<unknown>;
}

/** `escapement worker` itself (node running the CLI, no wrapper): the process killed is the one holding the jobs. */
const startWorkerProcess = (url: string, workRoot: string): Worker => {
  const child = spawn(process.execPath, [cli, "worker", "--store", url, "--concurrency", "2", "--heartbeat", String(HEARTBEAT), "--work-root", workRoot], {
    cwd: repo,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  child.stderr!.on("data", (chunk) => (err += chunk));
  const exited = new Promise((done) => child.on("exit", done));
  return { child, err: () => err, exited };
};

/** Sessions a worker's log shows started and not yet ended: what a kill now interrupts. */
const holding = (log: string): string[] => {
  const started = [...log.matchAll(/: session (\S+) \(/g)].map((match) => match[1]!);
  const ended = new Set([...log.matchAll(/: session (\S+) (?:done|failed|aborted|given back)/g)].map((match) => match[1]!));
  return started.filter((id) => !ended.has(id));
};

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

const data = (row: TranscriptRow) => row.data as Record<string, any>;
const turnOf = (row: TranscriptRow) => `${data(row)["invokeId"]}@${data(row)["stateId"]}#${data(row)["turn"]}`;
const turns = (rows: readonly TranscriptRow[], event: string) =>
  rows
    .filter((row) => row.event === event)
    .map(turnOf)
    .sort();

/** Each event processed, with the active states before and after (as sets, see below). */
const stepsOf = (rows: readonly TranscriptRow[]) =>
  rows
    .filter((row) => row.event === "runner/event-processed")
    // Active states as sets: a run resumed from a checkpoint lists them in the order xstate restores
    // them from the state value, where one process lists them in the order they were entered.
    .map((row) => ({ event: String(data(row)["event"]), before: [...data(row)["before"]].sort(), after: [...data(row)["after"]].sort() }));

/**
 * What a run did, with ids and times left out: the chart's steps, the model turns asked and answered
 * (by conversation, state and turn), the tools called, and how the run ended. The steps of a chart
 * whose regions run at once come in the order their conversations answer, in one process as on
 * workers: for those, the events processed (as a set) and the states the chart ended in.
 */
const shapeOf = (rows: readonly TranscriptRow[], concurrent: boolean) => ({
  steps: concurrent
    ? {
        events: stepsOf(rows)
          .map((step) => step.event)
          .sort(),
        final: stepsOf(rows).at(-1)?.after,
      }
    : stepsOf(rows),
  // A turn the kill cut off before its answer was kept is asked again (see the check below).
  asked: [...new Set(turns(rows, "llm/request"))],
  answered: turns(rows, "llm/response"),
  toolCalls: rows
    .filter((row) => row.event === "llm/tool-call")
    .map((row) => String(data(row)["name"]))
    .sort(),
  errors: rows.filter((row) => row.event === "llm/error").length,
  end: rows.filter((row) => row.event === "runner/done").map((row) => data(row)["status"]),
});

/**
 * A session's shape, and each of its fleets' children's from the child's own transcript. (The child
 * rows mirrored into the parent are a view for renderers, not a record: those after the parent's
 * last checkpoint are cut when it resumes, while the child's own session keeps what it did.)
 */
const familyShape = async (store: SessionStore, id: string, rows: readonly TranscriptRow[], concurrent: boolean) => {
  const children: Record<string, ReturnType<typeof shapeOf>> = {};
  for (const child of await store.children(id)) children[child] = shapeOf(await collect(store.rows(`${id}/children/${child}`)), false);
  return {
    ...shapeOf(
      rows.filter((row) => data(row)["childSessionId"] === undefined),
      concurrent,
    ),
    children,
  };
};

/** The turns whose answers the session's cassette recorded: a turn paid twice is recorded twice. */
const recordedTurns = (cassette: string | undefined): string[] =>
  (cassette ?? "")
    .split("\n")
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as { kind: string; origin?: { invokeId: string; stateId: string; turn: number } })
    .filter((entry) => entry.kind === "call")
    .map(({ origin }) => `${origin?.invokeId}@${origin?.stateId}#${origin?.turn}`)
    .sort();

const artifactsOf = async (store: SessionStore, id: string): Promise<Record<string, string>> => {
  const out: Record<string, string> = {};
  for (const name of await store.artifacts(id)) out[name] = Buffer.from((await store.artifact(id, name))!).toString("utf8");
  return out;
};

describe.skipIf(!postgresAvailable())("three workers, SIGKILLed at random ten times over 50 runs", () => {
  let cluster: Cluster;
  const workers: Worker[] = [];
  beforeAll(() => {
    cluster = startCluster();
  });
  afterAll(async () => {
    for (const worker of workers) worker.child.kill("SIGKILL");
    await Promise.all(workers.map((worker) => worker.exited));
    cluster?.stop();
  });

  it("ends every run done, each transcript the one of the same run in one process", { timeout: 300_000 }, async () => {
    const store = await postgresStore({ url: cluster.url });
    const filesIn = (dir: string) =>
      Object.fromEntries(ITERATE_FILES.map((name) => [name, existsSync(join(dir, name)) ? readFileSync(join(dir, name), "utf8") : undefined]));
    try {
      // Each example once in one process, into the same store: the transcripts to match.
      const reference = new Map<string, { shape: ReturnType<typeof shapeOf>; recorded: string[]; artifacts: Record<string, string> }>();
      const referenceDir = join(work, "reference");
      for (const example of EXAMPLES) {
        const workDir = example === "iterate" ? ["--work-dir", referenceDir] : [];
        const run = await runCli(["run", chartOf(example), "--no-tui", "--store", cluster.url, ...workDir], { cwd: repo, deadlineMs: 60_000 });
        expect(run.code, run.stderr).toBe(0);
        const { sessionId } = resultOf(run);
        const rows = await collect(store.rows(sessionId));
        reference.set(example, {
          shape: await familyShape(store, sessionId, rows, CONCURRENT.has(example)),
          recorded: recordedTurns(await store.cassette(sessionId)),
          artifacts: await artifactsOf(store, sessionId),
        });
      }
      const iterateFiles = filesIn(referenceDir);
      expect(iterateFiles["fizzbuzz.mjs"]).toContain("FizzBuzz");

      const random = prng(SEED);
      const submitted: { sessionId: string; example: string }[] = [];
      for (let i = 0; i < RUNS; i++) {
        const example = EXAMPLES[i % EXAMPLES.length]!;
        const workDir = WORK_DIRS[example];
        const { sessionId } = await submitRun({
          store: cluster.url,
          chart: chartOf(example),
          cwd: repo,
          heartbeatSeconds: HEARTBEAT,
          ...(workDir === undefined ? {} : { workDir }),
        });
        submitted.push({ sessionId, example });
      }

      const status = async (id: string) => (await store.manifest(id).catch(() => undefined))?.status;
      const allDone = async () => (await Promise.all(submitted.map(({ sessionId }) => status(sessionId)))).every((s) => s === "done");

      for (let i = 0; i < WORKERS; i++) workers.push(startWorkerProcess(cluster.url, workRoot));
      // A killed worker's jobs come back only once its heartbeat is missed, so the kills come early,
      // each while the worker picked is running a session.
      const killed: string[] = [];
      for (let kill = 0; kill < KILLS; kill++) {
        const slot = Math.floor(random() * WORKERS);
        // Once its session is in the store, so the kill cuts a run short (not its start); once every
        // run is done there is nothing left to interrupt, and the kill still comes.
        await until(
          async () => (await Promise.all(holding(workers[slot]!.err()).map(status))).includes("running") || (await allDone()),
          () => `worker ${slot} to take a run\n${workers[slot]!.err()}`,
          60_000,
        );
        // A random moment into what it holds.
        await sleep(Math.floor(random() * 200));
        const victim = workers[slot]!;
        killed.push(...holding(victim.err()));
        victim.child.kill("SIGKILL");
        await victim.exited;
        workers[slot] = startWorkerProcess(cluster.url, workRoot);
      }

      await until(allDone, () => `every run done\n${workers.map((worker) => worker.err()).join("\n---\n")}`, 240_000);

      let resumed = 0;
      for (const { sessionId, example } of submitted) {
        const rows = await collect(store.rows(sessionId));
        expect(
          rows.map((row) => row.seq),
          sessionId,
        ).toEqual(rows.map((_, index) => index + 1));
        if (rows.some((row) => row.event === "runner/resumed")) resumed++;
        const expected = reference.get(example)!;
        expect(await familyShape(store, sessionId, rows, CONCURRENT.has(example)), `${example} ${sessionId}`).toEqual(expected.shape);
        expect(await artifactsOf(store, sessionId), `${example} ${sessionId}`).toEqual(expected.artifacts);
        // No turn paid twice: each answer recorded once, and a turn asked again only after a kill
        // cut it off before its answer was kept (an `llm/turn-interrupted` row for each repeat).
        expect(recordedTurns(await store.cassette(sessionId)), `${example} ${sessionId}`).toEqual(expected.recorded);
        // (Each session's own turns: a fleet child's are checked in its own transcript, below. Its
        // rows mirrored into the parent may show a request twice, the first kept by the parent while
        // the child's own copy was cut back by its resume, which then asked it as a first time.)
        const own = rows.filter((row) => data(row)["childSessionId"] === undefined);
        const interrupted = turns(own, "llm/turn-interrupted");
        expect(turns(own, "llm/request"), `${example} ${sessionId}`).toEqual([...new Set(turns(own, "llm/request")), ...interrupted].sort());
        for (const child of await store.children(sessionId)) {
          const childRows = await collect(store.rows(`${sessionId}/children/${child}`));
          const asked = turns(childRows, "llm/request");
          expect(asked, `${example} ${sessionId} child ${child}`).toEqual([...new Set(asked), ...turns(childRows, "llm/turn-interrupted")].sort());
          expect(childRows.at(-1), `${example} ${sessionId} child ${child}`).toMatchObject({ event: "runner/done", data: { status: "done" } });
        }
        // Each session's files in its own directory under the work root, as one process leaves them.
        // (An edit a kill cut off is not made again: the files are then as the edit left them, or not.)
        const editCutOff = rows.some((row) => row.event === "tool/interrupted" && data(row)["name"] === "fs_multi_edit");
        if (example === "iterate" && !editCutOff) expect(filesIn(join(workRoot, sessionId)), `${example} ${sessionId}`).toEqual(iterateFiles);
        else if (example !== "scan") expect(existsSync(join(workRoot, sessionId)), `${example} ${sessionId}`).toBe(true);
      }
      // Nothing written where the workers run.
      for (const name of ITERATE_FILES) expect(existsSync(join(repo, name)), name).toBe(false);
      // The kills did interrupt runs, and those runs were resumed from their checkpoints.
      expect(killed.length).toBeGreaterThan(0);
      expect(resumed).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });
});
