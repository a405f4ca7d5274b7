/**
 * Scale bench: `npm run bench:scale [-- --sessions 1,16,256 --turns 10 --windows 20 --fsync both]`.
 *
 * (c) Transcript rows per second written to the Postgres store, beside the disk store and the memory
 * store writing the same rows in the same run. Each session is a streamed run written through its
 * store's writer as a run writes it (bench/scale/streamed-run.ts): batches per flush, the request
 * and each chart event durable (with its checkpoint) before the next effect; many sessions at once
 * share the one store, as the sessions of one process do. Target: >= 50,000 rows/s into Postgres
 * with batching, read at the largest number of sessions at once, with Postgres' default settings
 * (fsync on), as the median of `--rounds` measurements (the stores take turns, round after round). The bench starts its own throwaway Postgres cluster (initdb in a temporary directory,
 * a unix socket) and removes it after; with `--fsync both` (the default) it also measures a cluster
 * that does not flush its log at each commit, which is what the disk store does (it writes to the
 * OS, it does not fsync), so that row compares like with like.
 *
 * (b) Runs per second of 1, 2 and 4 `escapement worker` processes taking the same runs (`--runs`
 * of `--chart`, default examples/artifacts on its bundled cassette) from the Postgres store's job
 * queue, beside one process running them on the disk store (bench/scale/workers-rate.ts). On two
 * cores the figure to read is the CPU time per run. `--workers 0` skips it.
 *
 * (a) Parked sessions in one process (bench/scale/parked-sessions.ts): `--parked N` runs of a
 * one-prompt chart (default 2,000, a size that takes well under a minute on two cores; `--parked
 * 100000` for the full figure) each park into a `ParkingLot` on the Postgres store (the sessions'
 * state is then in the database, so the process's RSS counts only what it holds for them; the
 * memory store would count their stored state too, and is used only when there is no Postgres);
 * then the RSS per parked session (target: 100,000 in <= 2 GiB), and the latency of `--wakes`
 * wakes one at a time, from the answer posted to the woken run's answer row durable (target p99 <=
 * 50 ms). Run with `--expose-gc` (the npm script does) so RSS is read after a collection.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { diskStore, memoryStore, postgresStore, type SessionStore } from "../core/src/store/index.js";
import { postgresBin, startCluster, type Cluster } from "../core/test/store/postgres-cluster.js";
import { int, mib, ratio, table, verdict } from "./runner/table.js";
import { rowsPerTurn, type StreamedRunShape } from "./scale/streamed-run.js";
import { transcriptRate, type RateResult } from "./scale/transcript-rate.js";
import { oneProcessRate, workersRate, type WorkersResult } from "./scale/workers-rate.js";
import { parkedSessions, percentile, type ParkedResult } from "./scale/parked-sessions.js";

const { values } = parseArgs({
  options: {
    sessions: { type: "string", default: "1,16,256" },
    turns: { type: "string", default: "10" },
    windows: { type: "string", default: "20" },
    fragments: { type: "string", default: "8" },
    fsync: { type: "string", default: "both" },
    rounds: { type: "string", default: "3" },
    scratch: { type: "string" },
    workers: { type: "string", default: "1,2,4" },
    runs: { type: "string", default: "40" },
    chart: { type: "string", default: "examples/artifacts" },
    parked: { type: "string", default: "2000" },
    wakes: { type: "string", default: "200" },
    parts: { type: "string", default: "a,b,c" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  console.log(
    "usage: npm run bench:scale -- [--sessions 1,16,256 (sessions at once, one measurement each)] [--turns N (model turns per session, default 10)] [--windows N (delta rows per turn, default 20)] [--fragments N (tokens per delta row, default 8)] [--fsync on|off|both (Postgres clusters to measure, default both)] [--rounds N (measurements of each, the median shown; default 3)] [--scratch DIR (the disk store's root; default the temp directory)] [--workers 1,2,4 (part b; 0: skip)] [--runs 40] [--chart examples/artifacts] [--parked 2000 (part a: parked sessions; 100000 for the full figure)] [--wakes 200] [--parts a,b,c]",
  );
  process.exit(0);
}
const sessionCounts = values.sessions.split(",").map((value) => Number(value.trim()));
const shape: StreamedRunShape = { turns: Number(values.turns), windows: Number(values.windows), fragments: Number(values.fragments) };
const rounds = Number(values.rounds);
if (![...sessionCounts, shape.turns, shape.windows, shape.fragments, rounds].every((value) => Number.isInteger(value) && value > 0)) {
  console.error("bench:scale: --sessions, --turns, --windows, --fragments and --rounds take positive integers");
  process.exit(2);
}
if (!["on", "off", "both"].includes(values.fsync)) {
  console.error(`bench:scale: --fsync takes on, off or both, got "${values.fsync}"`);
  process.exit(2);
}
const TARGET = 50_000;
const load = (): string => loadavg()[0]!.toFixed(2);
const parts = new Set(values.parts.split(",").map((part) => part.trim()));
const parkedCount = Number(values.parked);
const wakeCount = Number(values.wakes);
if (![parkedCount, wakeCount].every((value) => Number.isInteger(value) && value >= 0)) {
  console.error("bench:scale: --parked and --wakes take whole numbers");
  process.exit(2);
}

if (parts.has("c"))
  console.log(
    `(c) transcript rows/s into each store: per session ${shape.turns} turns of ${rowsPerTurn(shape)} rows (request, ${shape.windows} llm/delta rows of ${shape.fragments} tokens, response, runner/event-processed + checkpoint); load average at start ${load()}`,
  );

/** A store to measure: opened fresh for each measurement, closed after. */
interface Subject {
  name: string;
  open(): Promise<SessionStore>;
  cleanup?: () => void;
}

const scratch = values.scratch ?? tmpdir();
const diskRoots: string[] = [];
const subjects: Subject[] = [
  {
    name: "disk",
    open: async () => {
      const root = mkdtempSync(join(scratch, "escapement-bench-scale-"));
      diskRoots.push(root);
      return diskStore({ root, cwd: root });
    },
  },
  { name: "memory", open: async () => memoryStore() },
];

const clusters: Cluster[] = [];
const bin = postgresBin();
const fsyncs = values.fsync === "both" ? [true, false] : [values.fsync === "on"];
if (!bin) {
  console.log("postgres: not measured: no Postgres server installed (/usr/lib/postgresql/<version>/bin/initdb); install Debian's postgresql package");
} else {
  for (const fsync of fsyncs) {
    const cluster = startCluster({ fsync });
    clusters.push(cluster);
    let schemas = 0;
    subjects.push({
      name: fsync ? "postgres" : "postgres (fsync off)",
      // A schema of its own per measurement: each starts from empty tables.
      open: () => postgresStore({ url: cluster.url, schema: `bench_${++schemas}` }),
    });
  }
  console.log(`postgres: a throwaway cluster of ${bin} on a unix socket, ${fsyncs.map((on) => (on ? "fsync on (the default)" : "fsync off")).join(" and ")}`);
}

const measure = async (subject: Subject, sessions: number, prefix: string): Promise<RateResult> => {
  const store = await subject.open();
  try {
    return await transcriptRate(store, sessions, shape, prefix);
  } finally {
    await store.close();
  }
};

/** The median of some rates (the middle one; the lower middle of an even count). */
const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[(values.length - 1) >> 1]!;

const workerCounts = values.workers === "0" ? [] : values.workers.split(",").map((value) => Number(value.trim()));
const runs = Number(values.runs);
const repo = join(import.meta.dirname, "..");
const workerRows: string[][] = [];

/** Part (b): the workers on the first cluster, beside one process on disk. */
async function workersSection(cluster: Cluster): Promise<void> {
  const cli = join(repo, "core/bin/escapement.mjs");
  const chart = join(repo, values.chart);
  const concurrency = 8;
  const diskRoot = mkdtempSync(join(scratch, "escapement-bench-workers-"));
  diskRoots.push(diskRoot);
  const results: WorkersResult[] = [await oneProcessRate({ runs, chart, cwd: repo, sessionsRoot: diskRoot, concurrency })];
  for (const workers of workerCounts) {
    results.push(await workersRate({ clusterUrl: cluster.url, workers, runs, chart, cwd: repo, cli, concurrency, name: `bench_workers_${workers}` }));
  }
  const base = results[0]!;
  for (const result of results) {
    const perSecond = (result.runs / result.ms) * 1000;
    workerRows.push([
      result.workers === 0 ? "one process, disk store" : `${result.workers} worker${result.workers === 1 ? "" : "s"}, Postgres`,
      `${int(result.done)}/${int(result.runs)}`,
      int(result.ms),
      perSecond.toFixed(1),
      ratio(perSecond / ((base.runs / base.ms) * 1000)),
      `${result.cpuMsPerRun.toFixed(1)} ms`,
      ratio(result.cpuMsPerRun / base.cpuMsPerRun),
    ]);
  }
}

/** Part (a): parked sessions in this process, on the first cluster (else the memory store). */
async function parkedSection(cluster: Cluster | undefined): Promise<void> {
  const storeName = cluster ? "postgres (fsync on)" : "memory (no Postgres: the parked sessions' state counts in RSS)";
  const open = async (): Promise<SessionStore> => (cluster ? postgresStore({ url: cluster.url, schema: `bench_parked_${Date.now()}` }) : memoryStore());
  // Warmed up first (the JIT, the connection pool), in a store of its own.
  const warm = await open();
  try {
    await parkedSessions(warm, { sessions: 50, wakes: 20, concurrency: 50, prefix: "warmup" });
  } finally {
    await warm.close();
  }
  const store = await open();
  let result: ParkedResult;
  const loadBefore = load();
  try {
    result = await parkedSessions(store, { sessions: parkedCount, wakes: wakeCount, concurrency: 200, prefix: "parked" });
  } finally {
    await store.close();
  }
  const perSession = (result.rssAfter - result.rssBefore) / result.sessions;
  const projected = result.rssBefore + perSession * 100_000;
  const p50 = percentile(result.latencies, 0.5);
  const p99 = percentile(result.latencies, 0.99);
  console.log(
    `(a) ${int(result.sessions)} parked sessions in this process, store ${storeName}, ${gcNote}; parked in ${int(result.parkMs)} ms (${int((result.sessions / result.parkMs) * 1000)}/s); load average ${loadBefore} before, ${load()} after`,
  );
  console.log(
    table(
      ["", "before parking", "after parking", "per parked session"],
      [
        ["RSS", mib(result.rssBefore), mib(result.rssAfter), `${int(perSession)} B`],
        ["JS heap used", mib(result.heapBefore), mib(result.heapAfter), `${int((result.heapAfter - result.heapBefore) / result.sessions)} B`],
      ],
      ["l", "r", "r", "r"],
    ),
  );
  console.log(
    `target (a) memory: 100,000 parked sessions in <= 2 GiB RSS: ${result.sessions === 100_000 ? `measured ${mib(result.rssAfter)}` : `projected ${mib(projected)} (RSS before + ${int(perSession)} B x 100,000)`}: ${verdict((result.sessions === 100_000 ? result.rssAfter : projected) <= 2 ** 31)}`,
  );
  console.log(
    `wake latency, answer posted -> woken run's answer row durable, ${int(result.latencies.length)} wakes one at a time: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${result.latencies.at(-1)!.toFixed(1)} ms`,
  );
  console.log(`target (a) wake: p99 <= 50 ms: ${p99.toFixed(1)} ms, ${ratio(p99 / 50)} of target: ${verdict(p99 <= 50)}\n`);
}

const gcNote = (globalThis as { gc?: unknown }).gc ? "RSS read after a collection" : "RSS read without a forced collection (run node with --expose-gc)";

const rows: string[][] = [];
let verdictLine = "";
try {
  if (parts.has("a") && parkedCount > 0) await parkedSection(clusters[0]);
  // Warm up each store once (the JIT, the connection pool, the first table pages).
  if (parts.has("c")) for (const subject of subjects) await measure(subject, 4, "warmup");
  for (const sessions of parts.has("c") ? sessionCounts : []) {
    // Rounds interleave the stores, so a machine busy for a while slows them alike.
    const rates = new Map<string, RateResult[]>(subjects.map((subject) => [subject.name, []]));
    for (let round = 1; round <= rounds; round++) {
      for (const subject of subjects) rates.get(subject.name)!.push(await measure(subject, sessions, `s${sessions}-r${round}`));
    }
    const rateOf = (name: string): number => median(rates.get(name)!.map((result) => result.rowsPerSecond));
    const disk = rateOf("disk");
    const memory = rateOf("memory");
    for (const subject of subjects) {
      const results = rates.get(subject.name)!;
      const perSecond = results.map((result) => result.rowsPerSecond);
      const rate = rateOf(subject.name);
      rows.push([
        int(sessions),
        subject.name,
        int(results[0]!.rows),
        int(median(results.map((result) => result.elapsedMs))),
        int(rate),
        `${int(Math.min(...perSecond))}..${int(Math.max(...perSecond))}`,
        ratio(rate / disk),
        ratio(rate / memory),
        subject.name.startsWith("postgres") ? verdict(rate >= TARGET) : "",
      ]);
    }
    const postgres = rates.has("postgres") ? "postgres" : rates.has("postgres (fsync off)") ? "postgres (fsync off)" : undefined;
    if (postgres && sessions === Math.max(...sessionCounts)) {
      const rate = rateOf(postgres);
      verdictLine = `target (c): >= ${int(TARGET)} rows/s into Postgres (${postgres === "postgres" ? "fsync on" : "fsync off"}, ${int(sessions)} sessions at once, median of ${rounds}): ${int(rate)} rows/s, ${ratio(rate / TARGET)} of target: ${verdict(rate >= TARGET)}`;
    }
  }
  if (parts.has("b") && workerCounts.length > 0 && clusters[0]) await workersSection(clusters[0]);
} finally {
  for (const cluster of clusters) cluster.stop();
  for (const root of diskRoots) rmSync(root, { recursive: true, force: true });
}
if (rows.length > 0)
  console.log(
    table(["sessions at once", "store", "rows", "ms", "rows/s", "min..max", "vs disk", "vs memory", `>= ${int(TARGET)}`], rows, [
      "r",
      "l",
      "r",
      "r",
      "r",
      "r",
      "r",
      "r",
      "l",
    ]),
  );
if (parts.has("c")) console.log(verdictLine || "target (c): not measured (no Postgres)");
if (workerRows.length > 0) {
  console.log(
    `\n(b) ${int(runs)} runs of ${values.chart} (its bundled cassette), sent at once; the same runs in one process on the disk store (8 at a time), then on 1, 2 and 4 \`escapement worker\` processes (--concurrency 8 each) taking them from the Postgres store's queue (fsync on). CPU: the processes running the runs, the database's not counted`,
  );
  console.log(table(["runs on", "done", "ms", "runs/s", "vs one process", "CPU/run", "CPU vs one process"], workerRows, ["l", "r", "r", "r", "r", "r", "r"]));
} else if (parts.has("b") && workerCounts.length > 0) {
  console.log("(b) runs/s of workers: not measured (no Postgres)");
}
console.log(`load average at end ${load()}`);
