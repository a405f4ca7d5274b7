/**
 * Messages this renderer sent to running conversations (`steer` frames), and what became of them.
 * The core answers a message it queued with nothing but its `llm/steer-queued` row (which the LOG
 * shows); one it refuses gets an `error` frame whose `inReplyTo` is the frame's id. Pure.
 */
import type { ErrorFrame } from "@escapement/wire-schema";

export interface SteerView {
  /** The steer frame's id (echoed as `inReplyTo` by an error that refuses it). */
  readonly id: string;
  readonly conversation: string;
  readonly status: "sent" | "refused";
  readonly error?: { readonly code: string; readonly message: string };
}

/** Newest last. */
export type Steers = readonly SteerView[];

/** Messages remembered: enough to match a refusal, which comes within moments. */
export const STEERS_KEPT = 16;

/** The renderer sent a steer frame. */
export interface SteerSent {
  readonly kind: "steer-sent";
  readonly id: string;
  readonly conversation: string;
}

export const onSteerSent = (steers: Steers, event: SteerSent): Steers => [
  ...steers.slice(1 - STEERS_KEPT),
  { id: event.id, conversation: event.conversation, status: "sent" },
];

/** The message an error frame refuses (by its `inReplyTo`), marked refused; anything else as it was. */
export const onSteerError = (steers: Steers, frame: ErrorFrame): Steers => {
  if (frame.inReplyTo === undefined || !steers.some((s) => s.id === frame.inReplyTo)) return steers;
  return steers.map((s) => (s.id === frame.inReplyTo ? { ...s, status: "refused", error: { code: frame.code, message: frame.message } } : s));
};

/** The newest message the core refused, if any. */
export const lastRefusedSteer = (steers: Steers): SteerView | undefined => steers.findLast((s) => s.status === "refused");
