/**
 * How a process uses the job queue: apart from run-queue.ts, so the declarations of the public
 * worker and submit options never name pg-boss (an optional peer dependency, see load-pg-boss.ts).
 */
export interface QueueOptions {
  /**
   * Seconds a running job may go without its worker's heartbeat before it is failed and retried
   * (pg-boss' `heartbeatSeconds`; at least 10). The worker beats every half of it.
   */
  heartbeatSeconds?: number;
  /** How often this process checks for jobs whose heartbeat stopped (seconds; default half the heartbeat). */
  monitorSeconds?: number;
  /** Whether this process runs pg-boss' maintenance (workers do; a submitting process need not). */
  supervise?: boolean;
}
