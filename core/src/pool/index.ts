export { SessionPool, type SessionPoolOptions } from "./session-pool.js";
export type { PoolJob } from "./pool-protocol.js";
export { submitRun, type SubmitRunOptions, type SubmittedRun } from "./submit-run.js";
export { startWorker, type StartWorkerOptions, type QueueWorker } from "./queue-worker.js";
export { answerPrompt, answerProblem, AnswerError, type AnswerPromptOptions, type AnsweredPrompt } from "./answer-prompt.js";
export { DEFAULT_PARK_AFTER_MS, DEFAULT_PARK_TIMER_MS } from "./queue-worker.js";
export { ParkingLot, type ParkingLotOptions } from "./parking-lot.js";
export { runQueuedFor } from "./queued-run.js";
