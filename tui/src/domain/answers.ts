/**
 * Answers this renderer sent to open prompts, and what became of them. The core acknowledges a
 * valid answer only by closing the prompt (`prompt-closed`); a rejected one gets an `error` frame
 * whose `inReplyTo` is the answer's id. Renderer-side facts enter the store as local events.
 */
import type { ErrorFrame } from "@escapement/wire-schema";

export interface AnswerError {
  readonly code: string;
  /** JSON Pointer into the answer frame, e.g. "/value/0"; "" for the whole frame. */
  readonly path: string;
  readonly message: string;
}

export interface AnswerView {
  /** The answer frame's id (echoed as `inReplyTo` by the core). */
  readonly id: string;
  readonly promptId: string;
  readonly cancelled: boolean;
  /** Sent and waiting for prompt-closed, or refused (by the core, or never sent at all). */
  readonly status: "sending" | "rejected";
  readonly error?: AnswerError;
}

/** What the renderer did with an answer (see local-event.ts). */
export type AnswerEvent =
  | { readonly kind: "answer-sent"; readonly id: string; readonly promptId: string; readonly cancelled: boolean }
  /** The transport could not send it (disconnected); nothing reached the core. */
  | { readonly kind: "answer-not-sent"; readonly id: string; readonly promptId: string; readonly cancelled: boolean; readonly reason: string };

export type Answers = ReadonlyMap<string, AnswerView>;

export const onLocalAnswer = (answers: Answers, event: AnswerEvent): Answers => {
  const { id, promptId, cancelled } = event;
  const view: AnswerView =
    event.kind === "answer-sent"
      ? { id, promptId, cancelled, status: "sending" }
      : { id, promptId, cancelled, status: "rejected", error: { code: "not-sent", path: "", message: event.reason } };
  return new Map(answers).set(promptId, view);
};

/** Error codes that refuse an answer (others may still name one through inReplyTo). */
const ANSWER_ERROR_CODES: ReadonlySet<string> = new Set(["invalid-answer", "unknown-prompt", "not-supported"]);

/**
 * The answer an error frame refuses: the one whose id it names, else (an error without
 * `inReplyTo`) the only answer still waiting, when the code is about answers.
 */
const refusedBy = (answers: Answers, frame: ErrorFrame): AnswerView | undefined => {
  if (frame.inReplyTo !== undefined) {
    for (const a of answers.values()) if (a.id === frame.inReplyTo) return a;
    return undefined;
  }
  if (!ANSWER_ERROR_CODES.has(frame.code)) return undefined;
  const waiting = [...answers.values()].filter((a) => a.status === "sending");
  return waiting.length === 1 ? waiting[0] : undefined;
};

export const onAnswerError = (answers: Answers, frame: ErrorFrame): Answers => {
  const refused = refusedBy(answers, frame);
  if (!refused) return answers;
  const error: AnswerError = { code: frame.code, path: frame.path, message: frame.message };
  return new Map(answers).set(refused.promptId, { ...refused, status: "rejected", error });
};

/** Answers of prompts that are still open (a closed prompt's answer is settled). */
export const keepOpen = (answers: Answers, open: readonly { readonly promptId: string }[]): Answers => {
  if (answers.size === 0) return answers;
  const ids = new Set(open.map((p) => p.promptId));
  const kept = new Map([...answers].filter(([promptId]) => ids.has(promptId)));
  return kept.size === answers.size ? answers : kept;
};
