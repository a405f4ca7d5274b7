/**
 * `escapement submit` and `escapement worker`: runs through the job queue of a Postgres store. Submit
 * enqueues a run and prints its session id; workers, on any number of machines, take runs and run
 * them into the store until they are stopped (SIGINT, SIGTERM).
 */
import { isAbsolute } from "node:path";
import { parseStoreSpec, redactedUrl } from "../../store/index.js";
import { submitRun, startWorker } from "../../pool/index.js";
import { UsageError } from "../../runtime/usage-error.js";
import { buildInput } from "../parse-params.js";
import { exitCodes } from "../exit-codes.js";
import type { CliIo } from "../cli-io.js";

export interface SubmitFlags {
  store?: string;
  param: string[];
  input?: string;
  heartbeat?: number;
  /** The run's work directory on the worker's machine (absolute). */
  workDir?: string;
}

export interface WorkerFlags {
  store?: string;
  concurrency?: number;
  charts: string[];
  heartbeat?: number;
  /** Wait on prompts alone before parking (ms); false: never park. */
  parkAfterMs?: number | false;
  parkTimerMs?: number;
  /** Each session works in `<workRoot>/<session id>`; relative to the worker's directory. */
  workRoot?: string;
}

/** The store a queue command needs: a Postgres URL, named with --store. */
function postgresUrlOf(store: string | undefined, command: string): string {
  if (store === undefined) throw new UsageError(`${command} needs --store postgres://…: the job queue lives in the Postgres store`);
  const spec = parseStoreSpec(store);
  if (spec.kind !== "postgres")
    throw new UsageError(`${command} needs --store postgres://…: the job queue lives in the Postgres store, not the ${spec.kind} store`);
  return spec.url;
}

/** Prints the session id the run will write (one line on stdout). */
export async function submitCommand(chart: string, flags: SubmitFlags, io: CliIo): Promise<number> {
  const url = postgresUrlOf(flags.store, "submit");
  // Named for the workers' machines: resolving it here, where the run is not, would guess.
  if (flags.workDir !== undefined && !isAbsolute(flags.workDir))
    throw new UsageError(`--work-dir must be an absolute path on the workers' machines, got "${flags.workDir}"`);
  const input = buildInput(flags.input, flags.param, io.cwd);
  const { sessionId } = await submitRun({
    store: url,
    chart,
    cwd: io.cwd,
    ...(input === undefined ? {} : { input }),
    ...(flags.heartbeat === undefined ? {} : { heartbeatSeconds: flags.heartbeat }),
    ...(flags.workDir === undefined ? {} : { workDir: flags.workDir }),
  });
  io.stdout.write(`${sessionId}\n`);
  return exitCodes.ok;
}

/** Runs jobs until the process is told to stop; then the running sessions end interrupted and go back to the queue. */
export async function workerCommand(flags: WorkerFlags, io: CliIo): Promise<number> {
  const url = postgresUrlOf(flags.store, "worker");
  const worker = await startWorker({
    store: url,
    cwd: io.cwd,
    env: io.env,
    ...(flags.charts.length > 0 ? { charts: flags.charts } : {}),
    ...(flags.concurrency === undefined ? {} : { concurrency: flags.concurrency }),
    ...(flags.heartbeat === undefined ? {} : { heartbeatSeconds: flags.heartbeat }),
    ...(flags.parkAfterMs === undefined ? {} : { parkAfterMs: flags.parkAfterMs }),
    ...(flags.parkTimerMs === undefined ? {} : { parkTimerMs: flags.parkTimerMs }),
    ...(flags.workRoot === undefined ? {} : { workRoot: flags.workRoot }),
    log: (line) => void io.stderr.write(`${line}\n`),
    // The public entry every chart imports, loaded before the chart loader's hooks (see run.ts).
    loadOptions: { beforeHooks: () => import("../../index.js") },
  });
  io.stderr.write(`worker: taking runs from the queue at ${redactedUrl(url)}\n`);
  await new Promise<void>((stopped) => {
    // Without a signal (a host that never stops it), it works until the process ends.
    if (io.signal?.aborted) return stopped();
    io.signal?.addEventListener("abort", () => stopped(), { once: true });
  });
  io.stderr.write(`worker: stopping (${worker.running} running, ending as interrupted and given back to the queue)\n`);
  await worker.stop();
  return exitCodes.ok;
}
