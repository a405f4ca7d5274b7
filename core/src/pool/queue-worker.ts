/**
 * `startWorker()`: takes runs from the job queue of a Postgres store and runs them, any number of
 * processes on any number of machines. A job names its session: the worker starts it, or resumes it
 * when it exists already (the worker that had it died or stopped mid-run), and completes the job
 * when the run ends, whatever its status. A worker that stops heartbeating (killed, its machine
 * gone) has its jobs failed by pg-boss and retried on another worker; its session claims went with
 * its connection, so the session resumes there from its last checkpoint.
 */
import { resolveChartPath, loadChart, loadLiveModel, modelForChart, type ChartModel, type LoadChartOptions, type LoadedChart } from "../loader/index.js";
import type { ModelClient } from "../llm/protocol.js";
import { runChart, type RunResult } from "../engine/runner.js";
import { RunInterruption } from "../engine/run-interruption.js";
import { randomIds } from "../runtime/ids.js";
import { SessionError } from "../runtime/session-error.js";
import { isResumable, type SessionStatus } from "../runtime/session-dir.js";
import { UsageError } from "../runtime/usage-error.js";
import { postgresStore, type SessionStore } from "../store/index.js";
import { openRunQueue, RUN_QUEUE, type QueueOptions, type RunJobData } from "./run-queue.js";

export interface StartWorkerOptions extends QueueOptions {
  /** The Postgres store's URL (`postgres://…`): sessions are written there, jobs taken from its queue. */
  store: string;
  /**
   * The chart modules (or their directories) this worker runs; a job for another chart is failed
   * here and retried on other workers. Default: any chart module the job names.
   */
  charts?: readonly string[];
  /** Runs at once (default 1). */
  concurrency?: number;
  /** Where charts' relative paths, `.escapement.json` and the runs' work directory are found; default `process.cwd()`. */
  cwd?: string;
  /** Provider keys and settings for the live model; default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** The model a job's run calls; default the chart's bundled cassette or the configured live model, as `escapement run` chooses. */
  model?: (job: { chartModule: string; sessionId: string }) => ModelClient | Promise<ModelClient>;
  /** One line per job started and ended, and per job given back. */
  log?: (line: string) => void;
  /** @internal Passed to the chart loader (the CLI preloads the package entry). */
  loadOptions?: LoadChartOptions;
}

export interface QueueWorker {
  /** Runs going on now. */
  readonly running: number;
  /**
   * Stops taking jobs, ends the running sessions as interrupted (resumable) and gives their jobs back
   * to the queue, where another worker resumes them; then disconnects.
   */
  stop(): Promise<void>;
}

/** Handles one job; throws to give it back to the queue (retried), returns when its run ended. */
type JobHandler = (data: RunJobData, signal: AbortSignal) => Promise<{ sessionId: string; status: string }>;

export async function startWorker(options: StartWorkerOptions): Promise<QueueWorker> {
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`concurrency must be a whole number of at least 1, got ${concurrency}`);
  const cwd = options.cwd ?? process.cwd();
  const allowed = options.charts?.map((chart) => resolveChartPath(chart, cwd));
  const log = options.log ?? (() => {});
  const store = await postgresStore({ url: options.store });
  let boss;
  try {
    boss = await openRunQueue(options.store, { ...options, supervise: true });
  } catch (error) {
    await store.close();
    throw error;
  }
  const stopping = new AbortController();
  const running = new Set<Promise<unknown>>();
  const handle = jobHandler({ ...options, cwd, sessions: store, allowed, stopping: stopping.signal });

  await boss.work<RunJobData>(RUN_QUEUE, { localConcurrency: concurrency, batchSize: 1, pollingIntervalSeconds: 1 }, async ([job]) => {
    if (!job) return;
    const { sessionId } = job.data;
    if (stopping.signal.aborted) throw new Error(`worker stopping before session ${sessionId} started`);
    log(`job ${job.id}: session ${sessionId} (${job.data.chart})${job.retryCount > 0 ? `, attempt ${job.retryCount + 1}` : ""}`);
    const work = handle(job.data, job.signal);
    running.add(work);
    try {
      const ended = await work;
      log(`job ${job.id}: session ${sessionId} ${ended.status}`);
      return ended;
    } catch (error) {
      log(`job ${job.id}: session ${sessionId} given back to the queue: ${(error as Error).message}`);
      throw error;
    } finally {
      running.delete(work);
    }
  });

  return {
    get running() {
      return running.size;
    },
    stop: async () => {
      if (stopping.signal.aborted) return;
      await boss.offWork(RUN_QUEUE, { wait: false });
      stopping.abort(new RunInterruption("the worker is stopping"));
      await Promise.allSettled([...running]);
      // Graceful: the jobs of the runs just interrupted are failed (retried) before the pool closes.
      await boss.stop({ graceful: true, close: true, timeout: 30_000 });
      await store.close();
    },
  };
}

interface HandlerContext extends StartWorkerOptions {
  cwd: string;
  sessions: SessionStore;
  allowed: readonly string[] | undefined;
  stopping: AbortSignal;
}

function jobHandler(context: HandlerContext): JobHandler {
  const charts = new Map<string, Promise<LoadedChart>>();
  let live: ChartModel | undefined | null = null;
  const chartOf = (path: string): Promise<LoadedChart> => {
    let loaded = charts.get(path);
    if (!loaded) {
      loaded = loadChart(path, context.cwd, context.loadOptions);
      // A chart that failed to load is tried again by the next job (it may be deployed by then).
      loaded.catch(() => charts.delete(path));
      charts.set(path, loaded);
    }
    return loaded;
  };
  const modelFor = async (loaded: LoadedChart, sessionId: string): Promise<ModelClient> => {
    if (context.model) return context.model({ chartModule: loaded.modulePath, sessionId });
    if (live === null) live = loadLiveModel(context.cwd, context.env ?? process.env);
    // A model per run: a cassette keeps its place in its recording.
    return (await modelForChart(loaded.dir, loaded.chart.id, {}, live)).model;
  };

  return async (data, jobSignal) => {
    if (context.allowed && !context.allowed.includes(data.chart))
      throw new Error(`this worker does not run ${data.chart} (its charts: ${context.allowed.join(", ")})`);
    const status = await sessionStatus(context.sessions, data.sessionId);
    // Its run ended (its worker died before completing the job): nothing left to do.
    if (status !== undefined && !isResumable(status)) return { sessionId: data.sessionId, status };
    const loaded = await chartOf(data.chart);
    const signal = AbortSignal.any([context.stopping, jobSignal]);
    const result: RunResult = await runChart({
      chart: loaded.chart,
      chartModule: loaded.modulePath,
      model: await modelFor(loaded, data.sessionId),
      cwd: context.cwd,
      store: context.sessions,
      ids: { ...randomIds, sessionId: () => data.sessionId },
      ...(status === undefined ? {} : { resume: data.sessionId }),
      ...(data.input === undefined ? {} : { input: data.input }),
      signal,
    });
    // Interrupted, not ended: the session stays resumable and the job goes back to the queue.
    if (signal.aborted && result.status === "aborted")
      throw new Error(`session ${data.sessionId} interrupted: ${String((signal.reason as Error)?.message ?? signal.reason)}`);
    return { sessionId: result.sessionId, status: result.status };
  };
}

/** The session's status in the store; undefined when it does not exist yet. */
async function sessionStatus(store: SessionStore, sessionId: string): Promise<SessionStatus | undefined> {
  try {
    return (await store.manifest(await store.locate(sessionId))).status;
  } catch (error) {
    if (error instanceof SessionError && error.code === "session-missing") return undefined;
    throw error;
  }
}
