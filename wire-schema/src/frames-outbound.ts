/** Core -> renderer frames. */
import { z } from "zod";
import { DebugMode, Prompt } from "./event-data.js";
import { EpochMs, ErrorInfo, InvokeId, NonEmpty, ParkedOn, RunStatus, StateId, StateIds, type Known } from "./primitives.js";
import { TranscriptRow } from "./transcript-row.js";
import { PROTOCOL_MAJOR, PROTOCOL_NAME, VERSION_PATTERN } from "./version.js";

const V = z.literal(PROTOCOL_MAJOR).describe("Protocol major version.");
/** Stream frames take the next per-run seq. */
const StreamSeq = z.int().min(1).describe("Gap-free per-run position of this stream frame.");
/** Connection frames carry the last stream seq already sent on this connection and do not advance it. */
const Watermark = z.int().min(0).describe("Last stream seq already sent on this connection (0 before any).");
/** Transcript seq of the row a derived frame comes from. */
const RowSeq = z.int().min(1).describe("Transcript seq of the row this frame is derived from.");

export const ProtocolId = z.looseObject({
  name: z.literal(PROTOCOL_NAME),
  version: z.string().regex(new RegExp(VERSION_PATTERN)).describe("Semver of the protocol this side speaks."),
});

export const Phase = z.looseObject({
  config: StateIds.describe("Active state ids."),
  breadcrumb: z.array(z.string()).describe("Path of the deepest active state, outermost state first (the machine's own id is not part of it)."),
});

export const DebugState = z.looseObject({
  paused: z.boolean(),
  mode: DebugMode,
  stepBudget: z.int().min(0).describe("External events still allowed before the gate pauses (step mode)."),
  reason: z.string().optional().describe("Why the gate paused."),
});

export const Conversation = z.looseObject({
  invokeId: InvokeId,
  stateId: StateId,
  model: z.string(),
  turn: z.int().min(0).describe("Turn of the latest request; 0 before the first."),
  streamed: z.looseObject({ text: z.string(), thinking: z.string() }).describe("Text and thinking streamed so far in the current turn."),
  child: NonEmpty.optional().describe("Since 1.1: the fleet child session this conversation runs in (its ids are prefixed <child>/)."),
});

/** Since 1.1: a fleet child session as a snapshot reports it. */
export const ChildSession = z.looseObject({
  childSessionId: NonEmpty,
  chartId: NonEmpty,
  status: z.enum(["running", "done", "aborted", "error"]).describe("running until its session/child-done row."),
  phase: Phase.optional().describe("The child's configuration; absent before its chart started."),
});

export const RunOutcome = z.looseObject({ status: RunStatus, finalConfig: StateIds, error: ErrorInfo.optional(), parked: ParkedOn.optional() });

export const HelloFrame = z.looseObject({
  v: V,
  kind: z.literal("hello"),
  seq: Watermark,
  protocol: ProtocolId,
  capabilities: z.array(z.string()).describe("Open list; ignore values you do not know."),
  sessionId: NonEmpty,
  runId: NonEmpty,
  chartId: NonEmpty,
  replay: z.boolean().describe("True when the frames come from a saved transcript, not a live run."),
  heartbeatMs: z.int().min(0).describe("Heartbeat interval; 0 = no heartbeats (replay files)."),
  maxInboundBytes: z.int().min(1).describe("Largest renderer -> core frame the core accepts."),
});

export const EventFrame = z.looseObject({
  v: V,
  kind: z.literal("event"),
  seq: StreamSeq,
  row: TranscriptRow,
  coalescedFrom: StreamSeq.optional().describe("Set when this frame stands for the llm/delta frames coalescedFrom..seq, merged for a slow connection."),
});

export const PhaseFrame = z.looseObject({
  v: V,
  kind: z.literal("phase"),
  seq: StreamSeq,
  rowSeq: RowSeq,
  ...Phase.shape,
  event: z.string().optional().describe("The chart event that caused this configuration."),
});

export const PromptFrame = z.looseObject({
  v: V,
  kind: z.literal("prompt"),
  seq: StreamSeq,
  rowSeq: RowSeq,
  prompt: Prompt,
  child: NonEmpty.optional().describe("Since 1.1: the fleet child session that asks (the promptId is prefixed <child>/); absent when the run itself asks."),
});

export const PromptClosedFrame = z.looseObject({
  v: V,
  kind: z.literal("prompt-closed"),
  seq: StreamSeq,
  rowSeq: RowSeq,
  promptId: NonEmpty,
  outcome: z.enum(["answered", "cancelled"]),
  value: z.unknown().optional().describe("The accepted answer when outcome is answered."),
  child: NonEmpty.optional().describe("Since 1.1: the fleet child session whose prompt closed."),
});

export const DebugFrame = z.looseObject({
  v: V,
  kind: z.literal("debug"),
  seq: StreamSeq,
  rowSeq: RowSeq,
  ...DebugState.shape,
});

export const SnapshotFrame = z.looseObject({
  v: V,
  kind: z.literal("snapshot"),
  seq: Watermark.describe("The stream seq this snapshot is current as of; stream frames continue at seq + 1."),
  rowSeq: z.int().min(0).describe("Transcript seq of the last row covered."),
  phase: Phase.optional().describe("Absent before the chart has started."),
  prompts: z.array(Prompt).describe("Open prompts, oldest first."),
  debug: DebugState,
  conversations: z.array(Conversation).describe("Live conversations, oldest first."),
  finished: RunOutcome.optional().describe("Present once the run has finished."),
  children: z.array(ChildSession).optional().describe("Since 1.1: the run's fleet child sessions, in start order; absent when it has none."),
});

export const HeartbeatFrame = z.looseObject({
  v: V,
  kind: z.literal("heartbeat"),
  seq: Watermark,
  ts: EpochMs,
  inReplyTo: z.string().optional().describe("The id of the ping this answers."),
});

export const ErrorFrame = z.looseObject({
  v: V,
  kind: z.literal("error"),
  seq: Watermark,
  code: z.string().min(1).describe("Open set; see WIRE_ERROR_CODES."),
  path: z.string().describe("JSON Pointer into the rejected frame; empty for the whole frame."),
  message: z.string(),
  fatal: z.boolean().describe("True when the core closes the connection after this frame."),
  inReplyTo: z.string().optional().describe("The id of the rejected frame, when it had one."),
});

export const RunFinishedFrame = z.looseObject({
  v: V,
  kind: z.literal("run-finished"),
  seq: StreamSeq,
  rowSeq: RowSeq,
  ...RunOutcome.shape,
});

/** Where a played-back session is: the states a `playback` frame reports. */
export const PLAYBACK_STATES = ["playing", "paused", "ended"] as const;
/** How a saved session is played: every row at once, one frame per interval, or the recorded gaps. */
export const PLAYBACK_TIMINGS = ["instant", "paced", "wallclock"] as const;

export const PlaybackStatus = z.looseObject({
  state: z.enum(PLAYBACK_STATES).describe("playing; paused (by the renderer, or after a seek from the end); ended: every row is out."),
  rowSeq: z.int().min(0).describe("Transcript seq of the last row played when this frame was sent (0 before any)."),
  lastRowSeq: z.int().min(0).describe("Transcript seq of the session's last row: the end of the playback."),
  timing: z.enum(PLAYBACK_TIMINGS),
  speed: z.number().positive().optional().describe("wallclock: the recorded gaps are divided by this."),
  intervalMs: z.number().positive().optional().describe("paced: milliseconds between rows."),
  firstTs: EpochMs.optional().describe("Recorded time of the first row (absent for an empty transcript)."),
  lastTs: EpochMs.optional().describe("Recorded time of the last row."),
});

export const PlaybackFrame = z.looseObject({
  v: V,
  kind: z.literal("playback"),
  seq: Watermark,
  ...PlaybackStatus.shape,
});

export const RewindFrame = z.looseObject({
  v: V,
  kind: z.literal("rewind"),
  seq: z.literal(0).describe("The stream starts over: the next stream frame has seq 1."),
});

/** One chunk of a blob a `read-blob` frame asked for (since 1.1); chunks of one read come in order. */
export const BlobFrame = z.looseObject({
  v: V,
  kind: z.literal("blob"),
  seq: Watermark,
  inReplyTo: z.string().min(1).describe("The id of the read-blob frame this answers."),
  ref: z.string().min(1).describe("The ref as asked."),
  offset: z.int().min(0).describe("Where this chunk starts, in bytes from the start of the blob."),
  total: z.int().min(0).describe("The blob's whole size in bytes."),
  data: z.string().describe("The chunk's bytes, base64 (at most MAX_BLOB_CHUNK_BYTES before encoding)."),
  last: z.boolean().describe("True on the read's last chunk (an empty read sends one empty chunk)."),
});

export const outboundFrameSchemas = {
  hello: HelloFrame,
  event: EventFrame,
  phase: PhaseFrame,
  prompt: PromptFrame,
  "prompt-closed": PromptClosedFrame,
  debug: DebugFrame,
  snapshot: SnapshotFrame,
  heartbeat: HeartbeatFrame,
  error: ErrorFrame,
  "run-finished": RunFinishedFrame,
  playback: PlaybackFrame,
  rewind: RewindFrame,
  blob: BlobFrame,
} as const;

export const OutboundFrame = z.discriminatedUnion("kind", [
  HelloFrame,
  EventFrame,
  PhaseFrame,
  PromptFrame,
  PromptClosedFrame,
  DebugFrame,
  SnapshotFrame,
  HeartbeatFrame,
  ErrorFrame,
  RunFinishedFrame,
  PlaybackFrame,
  RewindFrame,
  BlobFrame,
]);

export type OutboundKind = keyof typeof outboundFrameSchemas;
export type OutboundFrameOf<K extends OutboundKind> = Known<z.output<(typeof outboundFrameSchemas)[K]>>;
export type OutboundFrame = { [K in OutboundKind]: OutboundFrameOf<K> }[OutboundKind];

export type HelloFrame = OutboundFrameOf<"hello">;
export type EventFrame = OutboundFrameOf<"event">;
export type PhaseFrame = OutboundFrameOf<"phase">;
export type PromptFrame = OutboundFrameOf<"prompt">;
export type PromptClosedFrame = OutboundFrameOf<"prompt-closed">;
export type DebugFrame = OutboundFrameOf<"debug">;
export type SnapshotFrame = OutboundFrameOf<"snapshot">;
export type HeartbeatFrame = OutboundFrameOf<"heartbeat">;
export type ErrorFrame = OutboundFrameOf<"error">;
export type RunFinishedFrame = OutboundFrameOf<"run-finished">;
export type PlaybackFrame = OutboundFrameOf<"playback">;
export type RewindFrame = OutboundFrameOf<"rewind">;
export type BlobFrame = OutboundFrameOf<"blob">;
export type PlaybackStatus = Known<z.output<typeof PlaybackStatus>>;
export type PlaybackState = (typeof PLAYBACK_STATES)[number];
export type Phase = Known<z.output<typeof Phase>>;
export type DebugState = Known<z.output<typeof DebugState>>;
export type Conversation = Known<z.output<typeof Conversation>>;
export type ChildSession = Known<z.output<typeof ChildSession>>;
export type RunOutcome = Known<z.output<typeof RunOutcome>>;

/** Frames that take the next per-run seq and are re-sent on resume. */
export const STREAM_KINDS = ["event", "phase", "prompt", "prompt-closed", "debug", "run-finished"] as const;
export type StreamKind = (typeof STREAM_KINDS)[number];
export type StreamFrame = OutboundFrameOf<StreamKind>;
export const OUTBOUND_KINDS = Object.keys(outboundFrameSchemas) as OutboundKind[];

const streamKinds: ReadonlySet<string> = new Set(STREAM_KINDS);
export const isStreamFrame = (frame: OutboundFrame): frame is StreamFrame => streamKinds.has(frame.kind);

/**
 * Codes an `error` frame may carry. The first five come from frame validation; the list is open
 * (a minor version may add codes), so renderers must accept codes they do not know.
 */
export const WIRE_ERROR_CODES = [
  "malformed-json",
  "too-large",
  "unsupported-version",
  "invalid-frame",
  "unknown-kind",
  "unauthorized",
  "handshake-timeout",
  "not-attached",
  "already-attached",
  "unknown-prompt",
  "invalid-answer",
  "not-supported",
  "internal",
  "invalid-control",
  "heartbeat-timeout",
  "too-slow",
  "invalid-seek",
  "invalid-steer",
  "unknown-blob",
  "invalid-range",
  "too-many-reads",
] as const;
export type WireErrorCode = (typeof WIRE_ERROR_CODES)[number];
