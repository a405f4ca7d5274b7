/**
 * The job queue workers take runs from: a pg-boss queue in the same Postgres database as the
 * sessions. pg-boss keeps its own tables (schema `pgboss`, made and migrated on first use) and is
 * loaded only by what uses the queue, so a process that never submits or works pays nothing for it.
 */
import type { PgBoss } from "pg-boss";
import { loadPgBoss } from "./load-pg-boss.js";
import type { QueueOptions } from "./queue-options.js";
import { redactedUrl } from "../store/index.js";
import { SessionError } from "../runtime/session-error.js";

/** The queue's name in pg-boss. */
export const RUN_QUEUE = "escapement-runs";
/**
 * Wakes of parked sessions: a job resumes its session on any worker. Stately, keyed per session
 * (`answer:<id>`, `timer:<id>:<due time>`): a wake already queued for a session takes the next one's place,
 * and one may be queued while another runs (the session parked again meanwhile).
 */
export const WAKE_QUEUE = "escapement-wakes";

/** A job's data: what a worker needs to start, or resume, the run. */
export interface RunJobData {
  /** The chart module's absolute path, as the worker machines resolve it. */
  chart: string;
  /** The session the run writes: chosen at submit, so a retried job resumes the same session. */
  sessionId: string;
  input?: unknown;
  /**
   * The directory the run works in, on the worker's machine (absolute): wins over the worker's
   * `workRoot` (see work-dir.ts). Carried by the session's retries and timer wakes.
   */
  workDir?: string;
  /** A wake of a parked session: by an answer posted to its inbox, or its timer's due time. */
  wake?: "answer" | "timer";
  /** A timer's wake: the due time it was sent for (a session parked again since on a later one is left parked). */
  dueAt?: number;
}

/** Default seconds between a worker's heartbeats before its jobs are taken as lost. */
export const DEFAULT_HEARTBEAT_SECONDS = 30;

/**
 * Retries of a job after its first attempt: each is a worker that died or stopped mid-run, or could
 * not load the chart, not the run failing (a run that ends, even in error, completes its job).
 */
const RETRY_LIMIT = 10;
/** The longest pg-boss lets a job stay active: a run bounded by it is failed and resumed after. */
const MAX_ACTIVE_SECONDS = 24 * 60 * 60;

/** Checks a heartbeat option: pg-boss needs a whole number of at least 10 seconds. */
export function heartbeatOf(options: QueueOptions): number {
  const seconds = options.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS;
  if (!Number.isInteger(seconds) || seconds < 10) throw new RangeError(`heartbeatSeconds must be a whole number of at least 10, got ${seconds}`);
  return seconds;
}

/** Connects pg-boss to the database at `url`, makes the run queue when missing; a clear `SessionError` when it cannot. */
export async function openRunQueue(url: string, options: QueueOptions = {}): Promise<PgBoss> {
  const heartbeatSeconds = heartbeatOf(options);
  const { PgBoss } = await loadPgBoss();
  const monitor = options.monitorSeconds ?? Math.max(1, Math.floor(heartbeatSeconds / 2));
  const boss = new PgBoss({
    connectionString: url,
    application_name: "escapement-queue",
    max: 4,
    supervise: options.supervise ?? false,
    monitorIntervalSeconds: monitor,
    superviseIntervalSeconds: monitor,
    schedule: false,
    // A wake is taken the moment it is queued (see WAKE_QUEUE), not at the next poll.
    useListenNotify: options.supervise ?? false,
  });
  // A lost connection is reported by the call that needed it; pg-boss also emits it here.
  boss.on("error", () => {});
  try {
    await boss.start();
    await boss.createQueue(RUN_QUEUE, { heartbeatSeconds, retryLimit: RETRY_LIMIT, retryDelay: 1, expireInSeconds: MAX_ACTIVE_SECONDS });
    await boss.createQueue(WAKE_QUEUE, {
      policy: "stately",
      notify: true,
      heartbeatSeconds,
      retryLimit: RETRY_LIMIT,
      retryDelay: 1,
      expireInSeconds: MAX_ACTIVE_SECONDS,
    });
  } catch (error) {
    await boss.stop({ graceful: false }).catch(() => {});
    throw new SessionError("session-io", `cannot use the job queue at ${redactedUrl(url)}: ${(error as Error).message}`);
  }
  return boss;
}

/**
 * Enqueues the wake of a parked session: at once for an answer, at `dueAt` for its timer. A wake
 * already queued for the session (same kind) stands for this one.
 */
export async function sendWake(
  boss: PgBoss,
  data: { chart: string; sessionId: string; workDir?: string | undefined },
  why: "answer" | "timer",
  dueAt?: number,
): Promise<void> {
  const job: RunJobData = {
    chart: data.chart,
    sessionId: data.sessionId,
    ...(data.workDir === undefined ? {} : { workDir: data.workDir }),
    wake: why,
    ...(dueAt === undefined ? {} : { dueAt }),
  };
  await boss.send(WAKE_QUEUE, job, {
    // A timer's key names its due time: a session parked again on a nearer timer is not held to the later wake.
    singletonKey: dueAt === undefined ? `${why}:${data.sessionId}` : `${why}:${data.sessionId}:${dueAt}`,
    ...(dueAt === undefined ? {} : { startAfter: new Date(dueAt) }),
  });
}

/**
 * The work directory the session's run was submitted with, read from its run job: for a wake queued
 * by whoever answered (who knows the session, not its job). Undefined when the run named none, or
 * when its job is gone from the queue (finished jobs are kept 7 days).
 */
export async function submittedWorkDir(boss: PgBoss, sessionId: string): Promise<string | undefined> {
  const jobs = await boss.findJobs<RunJobData>(RUN_QUEUE, { data: { sessionId } });
  return jobs.find((job) => job.data.workDir !== undefined)?.data.workDir;
}
