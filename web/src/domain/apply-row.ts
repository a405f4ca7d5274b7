/** A transcript row's effect on the view: the log, the conversations, the clock. */
import type { TranscriptRow } from "@escapement/wire-schema";
import { startedConversation, withDelta, withTurn, type ConversationView } from "./conversation.js";
import { LOG_SKIPS, logRowOf } from "./log-row.js";
import { LOG_CAPACITY, type ViewState } from "./view-state.js";

const field = (data: Record<string, unknown>, name: string): string => (typeof data[name] === "string" ? data[name] : "");

const updateConversations = (
  conversations: ReadonlyMap<string, ConversationView>,
  row: TranscriptRow,
  data: Record<string, unknown>,
): ReadonlyMap<string, ConversationView> => {
  const id = field(data, "invokeId");
  const known = conversations.get(id);
  const set = (c: ConversationView) => new Map(conversations).set(id, c);
  switch (row.event) {
    case "llm/conversation-started":
      return set(startedConversation(id, field(data, "stateId"), field(data, "model")));
    case "llm/conversation-ended":
      return known ? set({ ...known, ended: field(data, "reason") || "exit" }) : conversations;
    case "llm/request":
      return known ? set(withTurn(known, typeof data.turn === "number" ? data.turn : known.turn + 1)) : conversations;
    case "llm/delta":
      return known ? set(withDelta(known, field(data, "kind"), field(data, "text"))) : conversations;
    default:
      return conversations;
  }
};

export const applyRow = (state: ViewState, row: TranscriptRow): ViewState => {
  const data = row.data !== null && typeof row.data === "object" ? (row.data as Record<string, unknown>) : {};
  const log = LOG_SKIPS.has(row.event) ? state.log : [...state.log.slice(state.log.length >= LOG_CAPACITY ? 1 : 0), logRowOf(row)];
  return {
    ...state,
    rowSeq: row.seq,
    startedTs: state.startedTs ?? row.ts,
    lastTs: row.ts,
    conversations: updateConversations(state.conversations, row, data),
    log,
  };
};
