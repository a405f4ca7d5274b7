import type { ModelMessage } from "../llm/protocol.js";
import type { ConversationEvent, ConversationState } from "./conversation-state.js";

const told = (text: string, from?: string): string => (from ? `[message from ${from}]\n${text}` : text);

/** How the model reads a steering message: marked as the user's, sent while it was working. */
export const steered = (text: string): string => `[message from the user]\n${text}`;

/** Appends told messages to the history, merging into a trailing user message (tool results). */
function deliver(messages: ModelMessage[], inbox: string[]): ModelMessage[] {
  if (inbox.length === 0) return messages;
  const last = messages[messages.length - 1];
  const blocks = inbox.map((text) => ({ type: "text" as const, text }));
  if (last?.role === "user") return [...messages.slice(0, -1), { role: "user", content: [...last.content, ...blocks] }];
  return [...messages, { role: "user", content: blocks }];
}

/** The pure half of a conversation: how its persisted state changes with each event. */
export function conversationTransition(state: ConversationState, event: ConversationEvent): ConversationState {
  switch (event.type) {
    case "llm.tell": {
      const text = told(event.text, event.from);
      // A turn in flight was built without this message; hold it so roles stay well-formed.
      if (state.phase === "calling") return { ...state, inbox: [...state.inbox, text] };
      return { ...state, messages: deliver(state.messages, [text]), phase: "calling" };
    }
    case "escapement.turn-committed": {
      const messages = deliver([...state.messages, ...event.append], state.inbox);
      const phase = state.inbox.length > 0 ? "calling" : event.phase;
      return { ...state, messages, inbox: [], turn: state.turn + 1, phase, validationStrikes: event.validationStrikes };
    }
    case "escapement.inbox-delivered":
      return { ...state, messages: deliver(state.messages, state.inbox), inbox: [] };
    case "escapement.conversation-failed":
      return { ...state, phase: "idle" };
    case "escapement.steer":
      return { ...state, steering: [...(state.steering ?? []), { id: event.id, text: event.text }] };
    case "escapement.steer-injected":
      return {
        ...state,
        messages: deliver(
          state.messages,
          (state.steering ?? []).map((message) => steered(message.text)),
        ),
        steering: [],
      };
    case "escapement.compact-requested":
      return { ...state, compactRequested: true };
    case "escapement.compacted":
      return { ...state, messages: event.messages, compactRequested: false };
  }
}
