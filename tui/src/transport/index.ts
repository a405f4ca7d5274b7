/**
 * The links to the outside: where frames come from (a live core over WebSocket, or a saved wire
 * file), and noticing when the core, or the terminal, is gone.
 */
export { connectWs, type WsClient, type WsClientOptions } from "./ws-client.ts";
export { openReplayFile, type ReplayFileSource, type ReplayReport } from "./replay-file-source.ts";
export { backoffDelay, reconnectDelay, DEFAULT_BACKOFF, RECONNECT_WINDOW_MS, type Backoff } from "./backoff.ts";
export type { ConnectionState, ConnectionStatus, SkippedInput } from "./connection-status.ts";
export { HELLO_WAIT_MS, SILENT_INTERVALS, livenessAt, nextChangeAt, type Liveness, type LinkTimes } from "./liveness.ts";
export { createBlobReader, isSafeRef, BLOB_BYTES_MAX, type BlobReader, type BlobResult } from "./blob-reader.ts";
export { createWireBlobReader, type WireBlobReader, type WireBlobReaderOptions } from "./wire-blob-reader.ts";
export { systemTimers, type Timers } from "./timers.ts";
export { PARENT_CHECK_MS, processAlive, watchParent } from "./parent-watch.ts";
export { watchTerminal, type TerminalExit } from "./terminal-watch.ts";
export { EXIT_CODES, EXIT_REASONS, exitLine, type ExitReason } from "./exit-reason.ts";
