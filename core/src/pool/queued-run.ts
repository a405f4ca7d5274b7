/**
 * Whether a session's run waits in the job queue: submitted, not yet started by a worker (the
 * session is in the store only once a worker starts it), or just taken by one. `escapement attach`
 * waits for such a session instead of calling it unknown. Reads the queue only: a database without
 * one (no `pgboss` schema) is not given one here.
 */
import type { PgBoss } from "pg-boss";
import { loadPgBoss } from "./load-pg-boss.js";
import { RUN_QUEUE, type RunJobData } from "./run-queue.js";

/** Jobs in these states have not ended: the session will be written. */
const PENDING = new Set(["created", "retry", "active"]);

export async function runQueuedFor(url: string, sessionId: string): Promise<boolean> {
  // Without pg-boss installed this installation queued nothing.
  const loaded = await loadPgBoss().catch(() => undefined);
  if (!loaded) return false;
  const { PgBoss } = loaded;
  const boss: PgBoss = new PgBoss({
    connectionString: url,
    application_name: "escapement-queue",
    max: 1,
    supervise: false,
    migrate: false,
    createSchema: false,
    schedule: false,
  });
  boss.on("error", () => {});
  try {
    await boss.start();
    const jobs = await boss.findJobs<RunJobData>(RUN_QUEUE, { data: { sessionId } });
    return jobs.some((job) => PENDING.has(job.state));
  } catch {
    // No queue in this database (or none readable): nothing is queued.
    return false;
  } finally {
    await boss.stop({ graceful: false, close: true }).catch(() => {});
  }
}
