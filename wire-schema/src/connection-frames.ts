/** Builders of connection-scoped frames: they carry a watermark seq and never advance it. */
import type { ErrorFrame, HeartbeatFrame, HelloFrame, PlaybackFrame, PlaybackStatus, RewindFrame } from "./frames-outbound.js";
import { CAPABILITIES, DEFAULT_HEARTBEAT_MS, MAX_INBOUND_FRAME_BYTES, PROTOCOL_MAJOR, PROTOCOL_NAME, PROTOCOL_VERSION } from "./version.js";

export interface HelloInfo {
  sessionId: string;
  runId: string;
  chartId: string;
  replay: boolean;
  /** Default: resume, snapshot, plus answer, control and coalesce-deltas when live. */
  capabilities?: string[];
  /** Default: 5000 live, 0 in a replay. */
  heartbeatMs?: number;
  maxInboundBytes?: number;
}

export const defaultCapabilities = (replay: boolean): string[] =>
  replay
    ? [CAPABILITIES.resume, CAPABILITIES.snapshot]
    : [CAPABILITIES.resume, CAPABILITIES.snapshot, CAPABILITIES.answer, CAPABILITIES.control, CAPABILITIES.coalesceDeltas];

export const helloFrame = (info: HelloInfo, watermark = 0): HelloFrame => ({
  v: PROTOCOL_MAJOR,
  kind: "hello",
  seq: watermark,
  protocol: { name: PROTOCOL_NAME, version: PROTOCOL_VERSION },
  capabilities: info.capabilities ?? defaultCapabilities(info.replay),
  sessionId: info.sessionId,
  runId: info.runId,
  chartId: info.chartId,
  replay: info.replay,
  heartbeatMs: info.heartbeatMs ?? (info.replay ? 0 : DEFAULT_HEARTBEAT_MS),
  maxInboundBytes: info.maxInboundBytes ?? MAX_INBOUND_FRAME_BYTES,
});

export const heartbeatFrame = (watermark: number, ts: number, inReplyTo?: string): HeartbeatFrame => ({
  v: PROTOCOL_MAJOR,
  kind: "heartbeat",
  seq: watermark,
  ts,
  ...(inReplyTo === undefined ? {} : { inReplyTo }),
});

export interface ErrorFrameInput {
  code: string;
  path: string;
  message: string;
  fatal: boolean;
  inReplyTo?: string;
}

export const errorFrame = (watermark: number, error: ErrorFrameInput): ErrorFrame => ({
  v: PROTOCOL_MAJOR,
  kind: "error",
  seq: watermark,
  code: error.code,
  path: error.path,
  message: error.message,
  fatal: error.fatal,
  ...(error.inReplyTo === undefined ? {} : { inReplyTo: error.inReplyTo }),
});

/** A replay's playback state, as of the stream seq `watermark`. */
export const playbackFrame = (watermark: number, status: PlaybackStatus): PlaybackFrame => ({
  v: PROTOCOL_MAJOR,
  kind: "playback",
  seq: watermark,
  ...status,
});

/** The stream starts over (a replay seeking backwards): stream frames continue at seq 1. */
export const rewindFrame = (): RewindFrame => ({ v: PROTOCOL_MAJOR, kind: "rewind", seq: 0 });
