/** @escapement/wire-schema: the wire protocol v1 contract. */
export * from "./version.js";
export { snippet, SNIPPET_MAX } from "./snippet.js";
export * from "./event-data.js";
export { isEventName } from "./event-names.js";
export * from "./transcript-row.js";
export * from "./frames-outbound.js";
export * from "./frames-inbound.js";
export { buildJsonSchemas, serializeSchema, schemaId, eventDataRef, type JsonSchema } from "./json-schema.js";
export * from "./validate.js";
export * from "./connection-frames.js";
export { coalesceDeltas, firstSeqOf } from "./coalesce.js";
export { breadcrumbOf, leavesOf } from "./breadcrumb.js";
export * from "./sequencer.js";
export * from "./replay.js";
export * from "./public-events.js";
export { parseRef, rangeRef, type BlobLocation } from "./blob-ref.js";
