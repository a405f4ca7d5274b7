/** One LLM conversation as the LIVE panel sees it, and what each llm/* row does to it. */
import type { Conversation, EventDataMap } from "@escapement/wire-schema";

export type ConversationStatus = "waiting" | "streaming" | "done" | "error";
export type EndReason = EventDataMap["llm/conversation-ended"]["reason"];

export interface TokenUsage {
  readonly input: number;
  readonly output: number;
  readonly cacheRead: number;
  readonly cacheWrite: number;
}

/** The io blobs of one turn (paths relative to the session directory), for drill-in. */
export interface TurnRefs {
  readonly turn: number;
  readonly request?: string;
  readonly response?: string;
}

/** Turns whose blob refs a conversation keeps; the oldest go first. */
export const TURN_REFS_KEPT = 256;

export interface ConversationView {
  readonly invokeId: string;
  readonly stateId: string;
  /** The model (alias) the conversation asks for. */
  readonly model: string;
  /** The provider model that answered the latest turn, e.g. "anthropic:claude-sonnet-4-5". */
  readonly target?: string;
  readonly status: ConversationStatus;
  /** Turn of the latest request; 0 before the first. */
  readonly turn: number;
  readonly startedTs: number;
  readonly requestTs?: number;
  readonly firstDeltaTs?: number;
  readonly lastDeltaTs?: number;
  /** Time to first token of the latest turn. */
  readonly ttftMs?: number;
  /** Summed over all completed turns. */
  readonly usage: TokenUsage;
  readonly costUsd: number;
  /** Output rate of the latest completed turn. */
  readonly tokensPerSec?: number;
  readonly contextUsed?: number;
  /** Characters streamed in the current turn (text and thinking), for a rate before usage arrives. */
  readonly streamedChars: number;
  /** Text and thinking of the latest turn; only the tail is kept (see `appendTail`). */
  readonly text: string;
  readonly thinking: string;
  readonly error?: { readonly category: string; readonly message: string };
  /** Set once the conversation has ended (its state was left, or it finished). */
  readonly ended?: EndReason;
  /** Request and response blobs by turn, oldest first (at most TURN_REFS_KEPT). */
  readonly turnRefs: readonly TurnRefs[];
}

export const ZERO_USAGE: TokenUsage = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };

export const newConversation = (invokeId: string, stateId: string, model: string, ts: number): ConversationView => ({
  invokeId,
  stateId,
  model,
  status: "waiting",
  turn: 0,
  startedTs: ts,
  usage: ZERO_USAGE,
  costUsd: 0,
  streamedChars: 0,
  text: "",
  thinking: "",
  turnRefs: [],
});

/** `refs` with the entry of `turn` merged with `add` (appended when new). */
export const withTurnRef = (refs: readonly TurnRefs[], turn: number, add: { request?: string; response?: string }): readonly TurnRefs[] => {
  const index = refs.findLastIndex((r) => r.turn === turn);
  if (index >= 0) return refs.map((r, i) => (i === index ? { ...r, ...add } : r));
  const next = [...refs, { turn, ...add }];
  return next.length > TURN_REFS_KEPT ? next.slice(next.length - TURN_REFS_KEPT) : next;
};

/**
 * `text + more`, keeping the last `max` characters. Trimming only once the text passes twice
 * that keeps appends amortized O(length of `more`) instead of copying the tail on every delta.
 */
export const appendTail = (text: string, more: string, max: number): string => {
  const joined = text + more;
  return joined.length > 2 * max ? joined.slice(joined.length - max) : joined;
};

const addUsage = (a: TokenUsage, b: TokenUsage): TokenUsage => ({
  input: a.input + b.input,
  output: a.output + b.output,
  cacheRead: a.cacheRead + b.cacheRead,
  cacheWrite: a.cacheWrite + b.cacheWrite,
});

export const onRequest = (c: ConversationView, d: EventDataMap["llm/request"], ts: number): ConversationView => {
  const { firstDeltaTs: _f, lastDeltaTs: _l, ttftMs: _t, error: _e, ...rest } = c;
  return {
    ...rest,
    status: "waiting",
    turn: d.turn,
    stateId: d.stateId,
    model: d.model,
    requestTs: ts,
    streamedChars: 0,
    text: "",
    thinking: "",
    turnRefs: withTurnRef(c.turnRefs, d.turn, { request: d.ref }),
  };
};

export const onDelta = (c: ConversationView, d: EventDataMap["llm/delta"], ts: number, tailMax: number): ConversationView => {
  const first = c.firstDeltaTs === undefined;
  return {
    ...c,
    status: "streaming",
    firstDeltaTs: c.firstDeltaTs ?? ts,
    lastDeltaTs: ts,
    ...(first && c.requestTs !== undefined ? { ttftMs: Math.max(0, ts - c.requestTs) } : {}),
    streamedChars: c.streamedChars + d.text.length,
    ...(d.kind === "thinking" ? { thinking: appendTail(c.thinking, d.text, tailMax) } : { text: appendTail(c.text, d.text, tailMax) }),
  };
};

export const onResponse = (c: ConversationView, d: EventDataMap["llm/response"]): ConversationView => {
  const streamingMs = d.elapsedMs - (d.ttftMs ?? 0);
  const tokensPerSec = d.tokensPerSec ?? (streamingMs > 0 ? (d.usage.output * 1000) / streamingMs : undefined);
  const ttftMs = d.ttftMs ?? c.ttftMs;
  return {
    ...c,
    status: "done",
    turn: d.turn,
    target: d.target,
    usage: addUsage(c.usage, d.usage),
    costUsd: c.costUsd + (d.costUsd ?? 0),
    ...(tokensPerSec === undefined ? {} : { tokensPerSec }),
    ...(ttftMs === undefined ? {} : { ttftMs }),
    ...(d.contextUsed === undefined ? {} : { contextUsed: d.contextUsed }),
    turnRefs: withTurnRef(c.turnRefs, d.turn, { response: d.ref }),
  };
};

export const onError = (c: ConversationView, d: EventDataMap["llm/error"]): ConversationView => ({
  ...c,
  status: "error",
  error: { category: d.category, message: d.message },
});

export const onEnded = (c: ConversationView, reason: EndReason): ConversationView => ({ ...c, ended: reason });

/** A conversation as a `snapshot` frame states it, keeping what this view already knew of it. */
export const fromSnapshot = (s: Conversation, known: ConversationView | undefined, ts: number, tailMax: number): ConversationView => {
  const { ended: _ended, ...base } = known ?? newConversation(s.invokeId, s.stateId, s.model, ts);
  const streaming = s.streamed.text.length > 0 || s.streamed.thinking.length > 0;
  const sameTurn = known !== undefined && known.turn === s.turn;
  return {
    ...base,
    stateId: s.stateId,
    model: s.model,
    turn: s.turn,
    status: streaming ? "streaming" : sameTurn ? base.status : "waiting",
    text: appendTail("", s.streamed.text, tailMax),
    thinking: appendTail("", s.streamed.thinking, tailMax),
    streamedChars: s.streamed.text.length + s.streamed.thinking.length,
  };
};
