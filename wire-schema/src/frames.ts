/**
 * @escapement/wire-schema/frames: the protocol's constants and the connection frames (`hello`,
 * `heartbeat`, `error`, `playback`, `rewind`) with their encoding, and nothing else: no validators,
 * no sequencer, no zod. For a process that sends its first frame before it needs the rest, such
 * as a replay's `hello`; `@escapement/wire-schema/runtime` and the package root export all of this too.
 */
export * from "./version.js";
export * from "./connection-frames.js";
export { encodeFrame } from "./encode-frame.js";
export type {
  ErrorFrame,
  HeartbeatFrame,
  HelloFrame,
  OutboundFrame,
  OutboundKind,
  PlaybackFrame,
  PlaybackState,
  PlaybackStatus,
  RewindFrame,
} from "./frames-outbound.js";
export type { InboundFrame, InboundKind } from "./frames-inbound.js";
