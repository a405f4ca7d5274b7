/**
 * (b) Runs per second of N `escapement worker` processes taking the same runs from the Postgres
 * store's job queue, beside one process running them on the disk store. Each worker is the real
 * CLI (core/dist) in a process of its own; the runs are sent at once, and the clock stops when the
 * store holds every session ended. On two cores more workers cannot run faster: the figure to read
 * is the CPU time per run (every process's, the database's not counted).
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { randomIds } from "../../core/src/runtime/index.js";
import { jobRunner } from "../../core/src/pool/job-runner.js";
import { openRunQueue, RUN_QUEUE, type RunJobData } from "../../core/src/pool/run-queue.js";
import { postgresStore } from "../../core/src/store/index.js";

export interface WorkersResult {
  workers: number;
  runs: number;
  ms: number;
  /** CPU time of the processes that ran the runs (user + system), over the runs. */
  cpuMsPerRun: number;
  done: number;
}

const CLOCK_TICKS = 100;

/** User + system CPU of a process so far (ms), from /proc; 0 where there is none. */
function cpuMsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** A database of its own in the cluster: each measurement starts from empty tables and an empty queue. */
async function freshDatabase(clusterUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: clusterUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  return clusterUrl.replace("/postgres?", `/${name}?`);
}

function startWorkerProcess(cli: string, url: string, concurrency: number, cwd: string): Promise<ChildProcessWithoutNullStreams> {
  const child = spawn(process.execPath, [cli, "worker", "--store", url, "--concurrency", String(concurrency), "--heartbeat", "10"], {
    cwd,
    stdio: ["pipe", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes("worker: taking runs")) resolve(child);
    });
    child.on("exit", (code) => reject(new Error(`a worker exited (${code}) before taking runs:\n${stderr}`)));
  });
}

/** N workers on a fresh database: `runs` runs of `chart` sent at once, until the store holds them all ended. */
export async function workersRate(options: {
  clusterUrl: string;
  workers: number;
  runs: number;
  chart: string;
  cwd: string;
  cli: string;
  concurrency: number;
  name: string;
}): Promise<WorkersResult> {
  const url = await freshDatabase(options.clusterUrl, options.name);
  const store = await postgresStore({ url });
  const queue = await openRunQueue(url);
  const workers: ChildProcessWithoutNullStreams[] = [];
  try {
    for (let index = 0; index < options.workers; index++) workers.push(await startWorkerProcess(options.cli, url, options.concurrency, options.cwd));
    const cpuBefore = workers.reduce((sum, worker) => sum + cpuMsOf(worker.pid!), 0);
    const started = performance.now();
    const jobs: RunJobData[] = Array.from({ length: options.runs }, () => ({ chart: options.chart, sessionId: randomIds.sessionId(Date.now()) }));
    await queue.insert(
      RUN_QUEUE,
      jobs.map((data) => ({ data, heartbeatSeconds: 10 })),
    );
    const ids = new Set(jobs.map((job) => job.sessionId));
    let done = 0;
    for (;;) {
      const ended = await Promise.all(
        [...ids].map(async (id) => {
          try {
            return ["done", "error", "aborted"].includes((await store.manifest(id)).status);
          } catch {
            return false;
          }
        }),
      );
      done = ended.filter(Boolean).length;
      if (done === ids.size) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const ms = performance.now() - started;
    const cpu = workers.reduce((sum, worker) => sum + cpuMsOf(worker.pid!), 0) - cpuBefore;
    const statuses = await Promise.all([...ids].map(async (id) => (await store.manifest(id)).status));
    return { workers: options.workers, runs: options.runs, ms, cpuMsPerRun: cpu / options.runs, done: statuses.filter((status) => status === "done").length };
  } finally {
    for (const worker of workers) worker.kill("SIGKILL");
    await queue.stop({ graceful: false, close: true }).catch(() => {});
    await store.close();
  }
}

/** The same runs in this process on the disk store, `concurrency` at a time: the baseline. */
export async function oneProcessRate(options: { runs: number; chart: string; cwd: string; sessionsRoot: string; concurrency: number }): Promise<WorkersResult> {
  const run = jobRunner(options.cwd, {});
  await run({ chart: options.chart, sessionDir: join(options.sessionsRoot, "warmup") });
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  let done = 0;
  const lane = async (): Promise<void> => {
    while (next < options.runs) {
      const index = next++;
      const result = await run({ chart: options.chart, sessionDir: join(options.sessionsRoot, `run-${index}`) });
      if (result.status === "done") done++;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, lane));
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return { workers: 0, runs: options.runs, ms, cpuMsPerRun: (cpu.user + cpu.system) / 1000 / options.runs, done };
}
