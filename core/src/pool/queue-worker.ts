/**
 * `startWorker()`: takes runs from the job queue of a Postgres store and runs them, any number of
 * processes on any number of machines. A job names its session: the worker starts it, or resumes it
 * when it exists already (the worker that had it died or stopped mid-run), and completes the job
 * when the run ends, whatever its status. A worker that stops heartbeating (killed, its machine
 * gone) has its jobs failed by pg-boss and retried on another worker; its session claims went with
 * its connection, so the session resumes there from its last checkpoint.
 *
 * A run's prompts are answered through the session's inbox (`escapement answer`). A run that waits
 * only on an answer for `parkAfterMs`, or on a timer due more than `parkTimerMs` off, parks: its job
 * completes, and the answer (whoever posts it queues a wake) or the timer (a wake queued now, due
 * then) resumes it on any worker.
 *
 * Each run works in a directory chosen per session (work-dir.ts): the job's own, else
 * `<workRoot>/<session id>`, else the worker's working directory. A job whose directory is refused
 * (not absolute, cannot be made) fails for good, with that reason: no other worker would do better.
 * A session whose worker died before its first checkpoint starts over (unstarted-session.ts).
 */
import { resolve } from "node:path";
import { resolveChartPath, loadChart, loadLiveModel, modelForChart, type ChartModel, type LoadChartOptions, type LoadedChart } from "../loader/index.js";
import type { ModelClient } from "../llm/protocol.js";
import { runChart, type RunResult } from "../engine/runner.js";
import { RunInterruption } from "../engine/run-interruption.js";
import { randomIds } from "../runtime/ids.js";
import { SessionError } from "../runtime/session-error.js";
import { isResumable, type SessionManifest } from "../runtime/session-dir.js";
import { InboxHuman } from "../human/index.js";
import { UsageError } from "../runtime/usage-error.js";
import { postgresStore, type SessionInbox, type SessionStore } from "../store/index.js";
import type { Job, JobResult, PgBoss } from "pg-boss";
import { openRunQueue, RUN_QUEUE, sendWake, submittedWorkDir, WAKE_QUEUE, type RunJobData } from "./run-queue.js";
import type { QueueOptions } from "./queue-options.js";
import { loadPgBoss } from "./load-pg-boss.js";
import { chooseWorkDir, makeWorkDir } from "./work-dir.js";
import { setAsideUnstarted } from "./unstarted-session.js";

/** Default wait on a prompt alone before the session parks (ms). */
export const DEFAULT_PARK_AFTER_MS = 5000;
/** Default distance of a timer, with nothing else pending, from which the session parks (ms). */
export const DEFAULT_PARK_TIMER_MS = 30_000;
import { inboxControl } from "./inbox-control.js";

export interface StartWorkerOptions extends QueueOptions {
  /** The Postgres store's URL (`postgres://…`): sessions are written there, jobs taken from its queue. */
  store: string;
  /**
   * The chart modules (or their directories) this worker runs; a job for another chart is failed
   * here and retried on other workers. Default: any chart module the job names.
   */
  charts?: readonly string[];
  /** Runs at once (default 1); as many woken runs of parked sessions may run beside them. */
  concurrency?: number;
  /** How long a run waits on prompts alone before its session parks (ms; default 5000); false: never parks. */
  parkAfterMs?: number | false;
  /** A run with nothing else pending parks when its next timer is due further off than this (ms; default 30000). */
  parkTimerMs?: number;
  /** Where charts' relative paths and `.escapement.json` are found, and the runs' work directory without `workRoot`; default `process.cwd()`. */
  cwd?: string;
  /**
   * Each session works in `<workRoot>/<session id>`, made before its run and kept after it; a job's
   * own `workDir` wins. Relative to `cwd`; made when the worker starts. Default: every run works in `cwd`.
   */
  workRoot?: string;
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

/** Thrown by a handler for a job no worker can run as it stands (its work directory): the job fails for good. */
class JobRefused extends Error {}

export async function startWorker(options: StartWorkerOptions): Promise<QueueWorker> {
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`concurrency must be a whole number of at least 1, got ${concurrency}`);
  const cwd = options.cwd ?? process.cwd();
  const workRoot = options.workRoot === undefined ? undefined : resolve(cwd, options.workRoot);
  const unmade = workRoot === undefined ? undefined : makeWorkDir(workRoot);
  if (unmade) throw new UsageError(`work root ${workRoot}: ${unmade}`);
  const allowed = options.charts?.map((chart) => resolveChartPath(chart, cwd));
  const log = options.log ?? (() => {});
  // Said before anything connects: a worker without pg-boss cannot take a job.
  await loadPgBoss();
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
  const queue = boss;
  const handle = jobHandler({
    ...options,
    cwd,
    ...(workRoot === undefined ? {} : { workRoot }),
    sessions: store,
    allowed,
    stopping: stopping.signal,
    boss: queue,
    log,
  });

  const take = async ([job]: Job<RunJobData>[]): Promise<JobResult[]> => {
    if (!job) return [];
    const { sessionId } = job.data;
    if (stopping.signal.aborted) throw new Error(`worker stopping before session ${sessionId} started`);
    const what = job.data.wake ? `wake (${job.data.wake}) of session ${sessionId}` : `session ${sessionId}`;
    log(`job ${job.id}: ${what} (${job.data.chart})${job.retryCount > 0 ? `, attempt ${job.retryCount + 1}` : ""}`);
    const work = handle(job.data, job.signal);
    running.add(work);
    try {
      const ended = await work;
      log(`job ${job.id}: session ${sessionId} ${ended.status}`);
      return [{ id: job.id, status: "completed", output: ended }];
    } catch (error) {
      if (error instanceof JobRefused) {
        log(`job ${job.id}: session ${sessionId} failed: ${error.message}`);
        // Past its retries at once: the same job fails the same way on any worker.
        return [{ id: job.id, status: "deadletter", output: { message: error.message } }];
      }
      log(`job ${job.id}: session ${sessionId} given back to the queue: ${(error as Error).message}`);
      throw error;
    } finally {
      running.delete(work);
    }
  };
  // A post to a parked session's inbox from anywhere (not only `answerPrompt`, which queues the wake itself) wakes it.
  const unwatch = await store.inbox!.watchAll!((sessionId) => void wakeOnPost(store, queue, sessionId, log));
  const taking = { localConcurrency: concurrency, batchSize: 1, pollingIntervalSeconds: 1, perJobResults: true } as const;
  await boss.work<RunJobData>(RUN_QUEUE, taking, take);
  // Woken by NOTIFY as a wake is queued; polled twice a second for timers' wakes coming due.
  await boss.work<RunJobData>(WAKE_QUEUE, { ...taking, pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 0.5 }, take);

  return {
    get running() {
      return running.size;
    },
    stop: async () => {
      if (stopping.signal.aborted) return;
      await boss.offWork(RUN_QUEUE, { wait: false });
      await boss.offWork(WAKE_QUEUE, { wait: false });
      stopping.abort(new RunInterruption("the worker is stopping"));
      await unwatch();
      await Promise.allSettled([...running]);
      // Graceful: the jobs of the runs just interrupted are failed (retried) before the pool closes.
      await boss.stop({ graceful: true, close: true, timeout: 30_000 });
      await store.close();
    },
  };
}

interface HandlerContext extends StartWorkerOptions {
  cwd: string;
  /** Absolute, made already. */
  workRoot?: string;
  sessions: SessionStore;
  allowed: readonly string[] | undefined;
  stopping: AbortSignal;
  boss: PgBoss;
  log: (line: string) => void;
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
    const manifest = await sessionManifest(context.sessions, data.sessionId);
    const status = manifest?.status;
    // Its run ended (its worker died before completing the job): nothing left to do.
    if (status !== undefined && !isResumable(status)) return { sessionId: data.sessionId, status };
    // A wake finds its session woken already (by the other wake), or parked again on a later timer.
    if (data.wake && status !== "parked") return { sessionId: data.sessionId, status: status ?? "missing" };
    if (data.wake === "timer" && manifest?.parked?.dueAt !== data.dueAt) return { sessionId: data.sessionId, status: "parked" };
    // A second wake for one answer (its poster's and a worker's, queued as the first ran) finds the
    // session parked again on a later prompt: nothing answers that one yet, so nothing to run.
    if (data.wake === "answer" && manifest?.parked && !(await answerWaiting(context.sessions.inbox!, data.sessionId, manifest.parked)))
      return { sessionId: data.sessionId, status: "parked" };
    // A wake queued by whoever answered knows the session, not the directory it was submitted with.
    const workDir = data.wake && data.workDir === undefined ? await submittedWorkDir(context.boss, data.sessionId) : data.workDir;
    const chosen = chooseWorkDir({ sessionId: data.sessionId, ...(workDir === undefined ? {} : { workDir }) }, context);
    if ("refused" in chosen) throw new JobRefused(chosen.refused);
    const unmade = chosen.given ? makeWorkDir(chosen.dir) : undefined;
    if (unmade) throw new JobRefused(`work dir ${chosen.dir}: ${unmade}`);
    // Its run died before its first checkpoint: what it wrote is set aside and the run starts over.
    if (!data.wake && manifest && (await setAsideUnstarted(context.sessions, data.sessionId, manifest)))
      context.log(`session ${data.sessionId}: its run stopped before its first checkpoint; its rows set aside, starting over`);
    const inbox = context.sessions.inbox!;
    const human = new InboxHuman({
      inbox,
      sessionId: data.sessionId,
      afterSeq: manifest?.parked?.inboxSeq ?? 0,
      onReject: (promptId, reason) => context.log(`session ${data.sessionId}: answer to prompt ${promptId} rejected: ${reason}`),
    });
    const parkAfterMs = context.parkAfterMs ?? DEFAULT_PARK_AFTER_MS;
    const loaded = await chartOf(data.chart);
    const signal = AbortSignal.any([context.stopping, jobSignal]);
    const model = await modelFor(loaded, data.sessionId);
    // Debugger control posted to the session's inbox (`escapement attach`) reaches the run's gate.
    const control = await inboxControl(context.sessions.inbox, data.sessionId, { log: context.log ?? (() => {}) });
    const result: RunResult = await runChart({
      chart: loaded.chart,
      chartModule: loaded.modulePath,
      model,
      cwd: context.cwd,
      ...(chosen.given ? { workDir: chosen.dir } : {}),
      store: context.sessions,
      ids: { ...randomIds, sessionId: () => data.sessionId },
      ...(status === undefined ? {} : { resume: data.sessionId }),
      ...(data.input === undefined ? {} : { input: data.input }),
      human,
      ...(parkAfterMs === false ? {} : { park: { afterMs: parkAfterMs, timerMs: context.parkTimerMs ?? DEFAULT_PARK_TIMER_MS, inboxSeq: () => human.cursor } }),
      debug: control.gate,
      signal,
    }).finally(() => void control.stop()); // winds down beside the job's end (it never fails)
    if (result.status === "parked" && result.parked) await wakeWhenDue(context, { ...data, ...(workDir === undefined ? {} : { workDir }) }, result.parked);
    // Interrupted, not ended: the session stays resumable and the job goes back to the queue.
    if (signal.aborted && result.status === "aborted")
      throw new Error(`session ${data.sessionId} interrupted: ${String((signal.reason as Error)?.message ?? signal.reason)}`);
    return { sessionId: result.sessionId, status: result.status };
  };
}

/**
 * After a park: the timer's wake, queued due when the timer is; and an answer posted before the
 * park was written (its poster saw the session running, so queued no wake) wakes it now.
 */
async function wakeWhenDue(context: HandlerContext, data: RunJobData, parked: NonNullable<SessionManifest["parked"]>): Promise<void> {
  const job = { chart: data.chart, sessionId: data.sessionId, workDir: data.workDir };
  if (parked.dueAt !== undefined) await sendWake(context.boss, job, "timer", parked.dueAt);
  if (await answerWaiting(context.sessions.inbox!, data.sessionId, parked)) await sendWake(context.boss, job, "answer");
}

/** Whether the inbox holds, past what the parked run read, an answer to a prompt it waits on. */
async function answerWaiting(inbox: SessionInbox, sessionId: string, parked: NonNullable<SessionManifest["parked"]>): Promise<boolean> {
  const waiting = await inbox.read(sessionId, parked.inboxSeq);
  return waiting.some((entry) => entry.message.kind === "answer" && parked.prompts.includes(entry.message.promptId));
}

/** Queues the wake of a parked session that got an answer to a prompt it waits on; a failure is logged (the poster's wake, or the next post, may still come). */
async function wakeOnPost(store: SessionStore, boss: PgBoss, sessionId: string, log: (line: string) => void): Promise<void> {
  try {
    const manifest = await store.manifest(sessionId);
    const parked = manifest.status === "parked" ? manifest.parked : undefined;
    if (!parked) return;
    if (!(await answerWaiting(store.inbox!, sessionId, parked))) return;
    await sendWake(boss, { chart: manifest.chartModule, sessionId }, "answer");
  } catch (error) {
    log(`session ${sessionId}: could not queue its wake: ${(error as Error).message}`);
  }
}

/** The session's manifest in the store; undefined when it does not exist yet. */
async function sessionManifest(store: SessionStore, sessionId: string): Promise<SessionManifest | undefined> {
  try {
    return await store.manifest(await store.locate(sessionId));
  } catch (error) {
    if (error instanceof SessionError && error.code === "session-missing") return undefined;
    throw error;
  }
}
