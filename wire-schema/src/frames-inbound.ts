/** Renderer -> core frames. */
import { z } from "zod";
import { ProtocolId } from "./frames-outbound.js";
import { NonEmpty, type Known } from "./primitives.js";
import { MAX_STEER_CHARS, PROTOCOL_MAJOR } from "./version.js";

const V = z.literal(PROTOCOL_MAJOR).describe("Protocol major version.");
const Id = z.string().min(1).max(128).optional().describe("Optional correlation id, echoed as inReplyTo.");

export const AttachFrame = z.looseObject({
  v: V,
  kind: z.literal("attach"),
  id: Id,
  token: NonEmpty.describe("The per-run token from the session's wire.json."),
  protocol: ProtocolId,
  since: z.int().min(0).optional().describe("Last stream seq the renderer already has; 0 or absent = none."),
  client: z.looseObject({ name: z.string(), version: z.string().optional() }).optional(),
});

/**
 * Exactly one of `value` and `cancelled: true`. The JSON Schema states that with if/then/else
 * (metadata below); the refinement states it for zod parsing.
 */
const AnswerBase = z.looseObject({ v: V, kind: z.literal("answer"), id: Id, promptId: NonEmpty });

export const AnswerFrame = AnswerBase.extend({
  value: z.unknown().optional().describe("The answer; must satisfy the prompt's schema."),
  cancelled: z.literal(true).optional(),
})
  .refine((frame) => "cancelled" in frame !== "value" in frame, {
    message: "needs exactly one of value and cancelled: true",
  })
  .meta({
    if: { required: ["cancelled"] },
    then: { properties: { value: false } },
    else: { required: ["value"] },
  });

export const CONTROL_ACTIONS = ["pause", "step", "continue", "arm-pause-on-next-external", "interrupt", "quit"] as const;

export const ControlFrame = z.looseObject({
  v: V,
  kind: z.literal("control"),
  id: Id,
  action: z.enum(CONTROL_ACTIONS),
  n: z.int().min(1).optional().describe("For step: how many external events to let through (default 1)."),
});

/** Where a `seek` goes, besides a transcript seq: the ends, or the next / previous llm turn or chart phase. */
export const SEEK_TARGETS = ["start", "end", "next-turn", "previous-turn", "next-phase", "previous-phase"] as const;

export const SeekFrame = z.looseObject({
  v: V,
  kind: z.literal("seek"),
  id: Id,
  to: z.union([z.enum(SEEK_TARGETS), z.int().min(1)]).describe("A named target, or the transcript seq of the row to show last (past the end: the end)."),
});

/** A message for a running conversation (since 1.1): queued, then given to the model at its next step. */
export const SteerFrame = z.looseObject({
  v: V,
  kind: z.literal("steer"),
  id: Id,
  conversation: NonEmpty.describe("The conversation's invoke id, as in llm/* rows."),
  text: z.string().min(1).max(MAX_STEER_CHARS).describe("The message, as the model will read it."),
});

/** Asks for a blob a row's `ref` names, or a byte range of it (since 1.1, capability `blobs`). */
export const ReadBlobFrame = z.looseObject({
  v: V,
  kind: z.literal("read-blob"),
  id: z.string().min(1).max(128).describe("Required: the blob and error frames that answer carry it as inReplyTo."),
  ref: z.string().min(1).max(1024).describe("A ref from a row (an io.jsonl range, an artifact), relative to the session directory."),
  offset: z.int().min(0).optional().describe("First byte to send, within the blob (default 0)."),
  length: z.int().min(1).optional().describe("Most bytes to send (default: to the end of the blob)."),
});

export const PingFrame = z.looseObject({ v: V, kind: z.literal("ping"), id: Id });

export const inboundFrameSchemas = {
  attach: AttachFrame,
  answer: AnswerFrame,
  control: ControlFrame,
  ping: PingFrame,
  seek: SeekFrame,
  steer: SteerFrame,
  "read-blob": ReadBlobFrame,
} as const;

export const InboundFrame = z.discriminatedUnion("kind", [AttachFrame, AnswerFrame, ControlFrame, PingFrame, SeekFrame, SteerFrame, ReadBlobFrame]);

export type InboundKind = keyof typeof inboundFrameSchemas;
/** `answer` with the value/cancelled exclusivity in the type. */
export type AnswerFrame = Known<z.output<typeof AnswerBase>> & ({ value: unknown; cancelled?: never } | { cancelled: true; value?: never });
export type AttachFrame = Known<z.output<typeof AttachFrame>>;
export type ControlFrame = Known<z.output<typeof ControlFrame>>;
export type ControlAction = (typeof CONTROL_ACTIONS)[number];
export type PingFrame = Known<z.output<typeof PingFrame>>;
export type SeekFrame = Known<z.output<typeof SeekFrame>>;
export type SeekTarget = SeekFrame["to"];
export type SteerFrame = Known<z.output<typeof SteerFrame>>;
export type ReadBlobFrame = Known<z.output<typeof ReadBlobFrame>>;
export type InboundFrameOf<K extends InboundKind> = K extends "answer" ? AnswerFrame : Known<z.output<(typeof inboundFrameSchemas)[K]>>;
export type InboundFrame = { [K in InboundKind]: InboundFrameOf<K> }[InboundKind];
export const INBOUND_KINDS = Object.keys(inboundFrameSchemas) as InboundKind[];
