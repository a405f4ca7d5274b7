export {
  runChart,
  startChart,
  prepareResume,
  callHistory,
  type RunChartOptions,
  type RunResult,
  type RunStatus,
  type ChartHandle,
  type RunStartInfo,
} from "./runner.js";
export { systemClock, type Clock } from "./clock.js";
export { randomIds, sequentialIds, type IdSource } from "./ids.js";
export { createLogger, silentLogger, logLevels, type Logger, type LogLevel } from "./logger.js";
export { sessionPaths, openSessionDir, defaultSessionsRoot, IO_PACK, type SessionPaths, type SessionManifest } from "./session-dir.js";
export { readBlob } from "./io-store.js";
export { SessionError, type SessionErrorCode } from "./session-error.js";
export { TranscriptWriter, type RowTap } from "./transcript-writer.js";
export { readTranscript, readAllRows, type ReadIssue, type ReadTranscriptOptions } from "./transcript-reader.js";
export { CheckpointStore, type CheckpointRecord } from "./checkpoint-store.js";
export type { TranscriptRow } from "./transcript-row.js";
