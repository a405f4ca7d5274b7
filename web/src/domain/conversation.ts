/** One conversation as the page shows it: its model, turn and what the current turn streamed. */
import type { Conversation } from "@escapement/wire-schema";

export interface ConversationView {
  readonly invokeId: string;
  readonly stateId: string;
  readonly model: string;
  readonly turn: number;
  /** Text the current turn streamed so far (the tail when long). */
  readonly text: string;
  readonly thinking: string;
  /** How it ended, once it has. */
  readonly ended?: string;
}

/** Characters of streamed text kept per conversation: a long turn keeps its tail. */
export const STREAM_TAIL = 16_384;

const tail = (text: string): string => (text.length > STREAM_TAIL ? text.slice(text.length - STREAM_TAIL) : text);

export const startedConversation = (invokeId: string, stateId: string, model: string): ConversationView => ({
  invokeId,
  stateId,
  model,
  turn: 0,
  text: "",
  thinking: "",
});

export const withDelta = (c: ConversationView, kind: string, text: string): ConversationView =>
  kind === "thinking" ? { ...c, thinking: tail(c.thinking + text) } : { ...c, text: tail(c.text + text) };

/** A new request starts a turn: what streams next belongs to it. */
export const withTurn = (c: ConversationView, turn: number): ConversationView => ({ ...c, turn, text: "", thinking: "" });

export const fromSnapshot = (c: Conversation): ConversationView => ({
  invokeId: c.invokeId,
  stateId: c.stateId,
  model: c.model,
  turn: c.turn,
  text: tail(c.streamed.text),
  thinking: tail(c.streamed.thinking),
});
