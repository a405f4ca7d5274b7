/** Whether a message can go to a conversation now, and if not, why: one line for the footer. Pure. */
import type { ConversationView } from "./conversation.ts";
import type { ViewState } from "./view-state.ts";

/** Whether the core takes messages at all: a live run (not a replay, not over) that announced `steer`. */
export const steerOffered = (state: ViewState): boolean =>
  state.run !== undefined && !state.run.replay && state.run.capabilities.includes("steer") && state.finished === undefined;

export type SteerTarget = { readonly ok: true; readonly conversation: string } | { readonly ok: false; readonly why: string };

/** Where a message would go: the conversation given, when it is live and the core takes messages; else why not. */
export const steerTarget = (state: ViewState, conversation: ConversationView | undefined): SteerTarget => {
  if (state.run?.replay) return { ok: false, why: "REPLAY: a recorded conversation takes no messages" };
  if (state.finished) return { ok: false, why: "the run is over: no conversation takes messages" };
  if (!steerOffered(state)) return { ok: false, why: "this core takes no messages (no steer capability)" };
  if (!conversation) return { ok: false, why: "select a conversation in LIVE first (↑ ↓)" };
  if (conversation.ended !== undefined) return { ok: false, why: `${conversation.invokeId} has ended: only a live conversation takes a message` };
  return { ok: true, conversation: conversation.invokeId };
};
