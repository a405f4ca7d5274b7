export { SessionPool, type SessionPoolOptions } from "./session-pool.js";
export type { PoolJob } from "./pool-protocol.js";
export { submitRun, type SubmitRunOptions, type SubmittedRun } from "./submit-run.js";
export { startWorker, type StartWorkerOptions, type QueueWorker } from "./queue-worker.js";
