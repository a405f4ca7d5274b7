/** Where frames come from: a live core over WebSocket, or a saved wire file. */
export { connectWs, type WsClient, type WsClientOptions } from "./ws-client.ts";
export { openReplayFile, type ReplayFileSource, type ReplayReport } from "./replay-file-source.ts";
export { backoffDelay, DEFAULT_BACKOFF, type Backoff } from "./backoff.ts";
export type { ConnectionStatus, SkippedInput } from "./connection-status.ts";
export { createBlobReader, isSafeRef, BLOB_BYTES_MAX, type BlobReader, type BlobResult } from "./blob-reader.ts";
