/**
 * @escapement/wire-schema/runtime: validating, sequencing and encoding frames, with no zod and no
 * schema compilation at start-up (the validators are generated ahead of time). For processes where
 * start-up counts, such as a replay's first frame; the package root exports all of this too.
 */
export * from "./version.js";
export * from "./validate.js";
export * from "./connection-frames.js";
export * from "./sequencer.js";
export * from "./replay.js";
export { isEventName } from "./event-names.js";
export { parseRef, rangeRef, type BlobLocation } from "./blob-ref.js";
export { snippet, SNIPPET_MAX } from "./snippet.js";
export type { OutboundFrame, OutboundKind, PlaybackFrame, PlaybackState, PlaybackStatus, RewindFrame } from "./frames-outbound.js";
export type { InboundFrame, InboundKind, SeekFrame, SeekTarget } from "./frames-inbound.js";
export type { TranscriptRow } from "./transcript-row.js";
export type { EventName, EventData } from "./event-data.js";
