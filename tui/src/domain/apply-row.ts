/** What one transcript row (the payload of an `event` frame) does to the view. */
import { isEvent, type TranscriptRow } from "@escapement/wire-schema";
import { logLast, logPush, logReplaceLast } from "./bounded-log.ts";
import { newConversation, onDelta, onEnded, onError, onRequest, onResponse, type ConversationView } from "./conversation.ts";
import { continuesDeltas, deltaLogRow, logRowOf } from "./log-row.ts";
import type { ViewState } from "./view-state.ts";

const withLogged = (state: ViewState, row: TranscriptRow): ViewState => {
  if (isEvent(row, "llm/delta")) {
    const last = logLast(state.log);
    return continuesDeltas(last, row.data)
      ? { ...state, log: logReplaceLast(state.log, deltaLogRow(last, row, row.data)) }
      : { ...state, log: logPush(state.log, deltaLogRow(undefined, row, row.data)) };
  }
  return { ...state, log: logPush(state.log, logRowOf(row)) };
};

/** Drops the oldest ended conversations beyond the number the options keep. */
const pruneEnded = (conversations: Map<string, ConversationView>, keep: number): Map<string, ConversationView> => {
  let ended = 0;
  for (const c of conversations.values()) if (c.ended) ended++;
  for (const [id, c] of conversations) {
    if (ended <= keep) break;
    if (c.ended) {
      conversations.delete(id);
      ended--;
    }
  }
  return conversations;
};

const updateConversation = (state: ViewState, invokeId: string, update: (c: ConversationView) => ConversationView): ViewState => {
  const current = state.conversations.get(invokeId);
  if (!current) return state;
  return { ...state, conversations: new Map(state.conversations).set(invokeId, update(current)) };
};

/** Row effects beyond logging; rows of other events only log. */
const applyEffects = (state: ViewState, row: TranscriptRow): ViewState => {
  if (isEvent(row, "llm/delta")) {
    return updateConversation(state, row.data.invokeId, (c) => onDelta(c, row.data, row.ts, state.options.streamTail));
  }
  if (isEvent(row, "llm/request")) {
    const known = state.conversations.has(row.data.invokeId) ? state : startConversation(state, row.data.invokeId, row.data.stateId, row.data.model, row.ts);
    return updateConversation(known, row.data.invokeId, (c) => onRequest(c, row.data, row.ts));
  }
  if (isEvent(row, "llm/response")) return updateConversation(state, row.data.invokeId, (c) => onResponse(c, row.data));
  if (isEvent(row, "llm/error")) return updateConversation(state, row.data.invokeId, (c) => onError(c, row.data));
  if (isEvent(row, "llm/conversation-started")) {
    return startConversation(state, row.data.invokeId, row.data.stateId, row.data.model, row.ts);
  }
  if (isEvent(row, "llm/conversation-ended")) {
    const ended = updateConversation(state, row.data.invokeId, (c) => onEnded(c, row.data.reason));
    return { ...ended, conversations: pruneEnded(new Map(ended.conversations), state.options.endedConversations) };
  }
  if (isEvent(row, "runner/started")) {
    const { sessionId, runId, chartId } = row.data;
    return state.run ? state : { ...state, run: { sessionId, runId, chartId, replay: false, capabilities: [] } };
  }
  if (isEvent(row, "human-input/progress")) {
    const { promptId, value, total } = row.data;
    if (!state.prompts.some((p) => p.promptId === promptId)) return state;
    return {
      ...state,
      prompts: state.prompts.map((p) => (p.promptId === promptId ? { ...p, progress: { value, total } } : p)),
    };
  }
  if (isEvent(row, "artifact/captured")) {
    const { name, ref, bytes, snippet } = row.data;
    const others = state.artifacts.filter((a) => a.name !== name);
    return { ...state, artifacts: [...others, { name, ref, bytes, snippet, seq: row.seq }] };
  }
  if (isEvent(row, "session/child-started")) {
    const { childSessionId, chartId, parentInvokeId } = row.data;
    const child = { childSessionId, chartId, status: "running" as const, startedTs: row.ts, ...(parentInvokeId ? { parentInvokeId } : {}) };
    return { ...state, children: new Map(state.children).set(childSessionId, child) };
  }
  if (isEvent(row, "session/child-done")) {
    const child = state.children.get(row.data.childSessionId);
    if (!child) return state;
    return { ...state, children: new Map(state.children).set(child.childSessionId, { ...child, status: row.data.status }) };
  }
  return state;
};

const startConversation = (state: ViewState, invokeId: string, stateId: string, model: string, ts: number): ViewState => {
  const conversations = new Map(state.conversations);
  // A restarted invoke id (the state was re-entered) moves to the end as a fresh row.
  conversations.delete(invokeId);
  conversations.set(invokeId, newConversation(invokeId, stateId, model, ts));
  return { ...state, conversations };
};

/** The view after one transcript row: logged, then its effects on conversations, prompts and the rest. */
export const applyRow = (state: ViewState, row: TranscriptRow): ViewState => {
  const clocked: ViewState = {
    ...state,
    rowSeq: Math.max(state.rowSeq, row.seq),
    startedTs: state.startedTs ?? row.ts,
    lastTs: Math.max(state.lastTs ?? row.ts, row.ts),
  };
  return applyEffects(withLogged(clocked, row), row);
};
