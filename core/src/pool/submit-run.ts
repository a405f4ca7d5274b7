/**
 * `submitRun()`: enqueues a run for the workers of a Postgres store. The session id is chosen here
 * and travels with the job, so the caller can follow the session at once and a retried job (its
 * worker died) resumes that same session instead of starting another.
 */
import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { resolveChartPath } from "../loader/index.js";
import { randomIds, type IdSource } from "../runtime/ids.js";
import { UsageError } from "../runtime/usage-error.js";
import { heartbeatOf, openRunQueue, RUN_QUEUE, type RunJobData } from "./run-queue.js";
import type { QueueOptions } from "./queue-options.js";

export interface SubmitRunOptions extends Pick<QueueOptions, "heartbeatSeconds"> {
  /** The Postgres store's URL (`postgres://…`): the workers take the run from its job queue. */
  store: string;
  /**
   * The chart module or its directory. A relative path is resolved against `cwd` here; the workers
   * load the absolute path, so it must name the chart on their machines too.
   */
  chart: string;
  input?: unknown;
  /**
   * The directory the run works in on the worker's machine (absolute; made there when missing, kept
   * after the run). Wins over the worker's `workRoot`. Default: the worker's choice.
   */
  workDir?: string;
  /** Default `process.cwd()`. */
  cwd?: string;
  /** Default random ids (the session id `run()` would choose). */
  ids?: Pick<IdSource, "sessionId">;
  /** Default `Date.now`. */
  now?: () => number;
}

export interface SubmittedRun {
  /** The session the run writes in the store (`escapement show <id> --store …`). */
  sessionId: string;
  /** The job's id in the queue. */
  jobId: string;
}

export async function submitRun(options: SubmitRunOptions): Promise<SubmittedRun> {
  if (!/^postgres(ql)?:\/\//i.test(options.store)) throw new UsageError(`submitting a run needs a postgres:// store, got "${options.store}"`);
  // The directory is the workers' (not resolved here, where the run is not): a relative one could name anything there.
  if (options.workDir !== undefined && !isAbsolute(options.workDir))
    throw new UsageError(`the work dir must be an absolute path on the workers' machines, got "${options.workDir}"`);
  const cwd = options.cwd ?? process.cwd();
  // The module file when this machine has the chart (as `run` would load it); the path as given otherwise.
  const chart = existsSync(resolve(cwd, options.chart)) ? resolveChartPath(options.chart, cwd) : resolve(cwd, options.chart);
  const sessionId = (options.ids ?? randomIds).sessionId((options.now ?? Date.now)());
  const heartbeatSeconds = heartbeatOf(options);
  const boss = await openRunQueue(options.store, { heartbeatSeconds });
  try {
    const data: RunJobData = {
      chart,
      sessionId,
      ...(options.input === undefined ? {} : { input: options.input }),
      ...(options.workDir === undefined ? {} : { workDir: options.workDir }),
    };
    const jobId = await boss.send(RUN_QUEUE, data, { heartbeatSeconds });
    if (!jobId) throw new Error(`the job queue refused the run of ${chart}`);
    return { sessionId, jobId };
  } finally {
    await boss.stop({ graceful: false, close: true });
  }
}
