/**
 * The rows of a synthetic run for the browser bench: `conversations` conversations that stream
 * one-token `llm/delta` rows in turn, a fixed number of tokens a second in total. A token is one
 * delta of TOKEN_CHARS characters (a three-letter word and a space, or a newline every twelfth
 * token). Every TURN_TOKENS tokens a conversation ends its turn (`llm/response`) and starts the next
 * (`llm/request`), staggered across conversations, so the log grows while the text streams.
 */
import type { TranscriptRow } from "@escapement/wire-schema";

export type Row = Omit<TranscriptRow, "seq">;

export const TOKEN_CHARS = 4;
export const TURN_TOKENS = 200;

const WORDS = "the map run ask key now log act set top end far".split(" ");
const MODEL = "anthropic:claude-sonnet-4-5";

export const invokeIdOf = (i: number): string => `talk-${String(i).padStart(3, "0")}`;
const stateIdOf = (i: number): string => `fleet.c${String(i).padStart(3, "0")}.talking`;

/** The text of a run's `n`th token (0-based): always TOKEN_CHARS characters. */
export const tokenText = (n: number): string => `${WORDS[n % WORDS.length]}${n % 12 === 11 ? "\n" : " "}`;

const request = (i: number, turn: number, ts: number): Row => ({
  ts,
  event: "llm/request",
  data: {
    invokeId: invokeIdOf(i),
    stateId: stateIdOf(i),
    turn,
    model: MODEL,
    messageCount: turn * 2 - 1,
    tools: [],
    ref: `io/${invokeIdOf(i)}-${turn}.request.json`,
    snippet: "Stream tokens.",
  },
});

const response = (i: number, turn: number, ts: number): Row => ({
  ts,
  event: "llm/response",
  data: {
    invokeId: invokeIdOf(i),
    stateId: stateIdOf(i),
    turn,
    target: MODEL,
    stopReason: "end_turn",
    usage: { input: 1200, output: TURN_TOKENS, cacheRead: 800, cacheWrite: 0 },
    elapsedMs: 10_000,
    ttftMs: 420,
    tokensPerSec: 20,
    costUsd: 0.0081,
    ref: `io/${invokeIdOf(i)}-${turn}.response.json`,
    snippet: "the map run ask key now log act set top end far",
  },
});

/**
 * The run's start: its ids, its configuration, every conversation started on turn 1, and `backlog`
 * rows for the log.
 */
export const openingRows = (conversations: number, ts: number, backlog = 0): Row[] => {
  const rows: Row[] = [
    { ts, event: "runner/started", data: { sessionId: "bench-web", runId: "bench-web-run", chartId: "fleet", resumed: false } },
    { ts, event: "runner/start-config", data: { config: ["fleet", ...Array.from({ length: conversations }, (_, i) => stateIdOf(i))] } },
  ];
  for (let i = 0; i < conversations; i++) {
    rows.push({ ts, event: "llm/conversation-started", data: { invokeId: invokeIdOf(i), stateId: stateIdOf(i), model: MODEL } });
    rows.push(request(i, 1, ts));
  }
  // Earlier rows the log already holds (a run that has been going for a while): responses to turn 1.
  for (let j = 0; j < backlog; j++) rows.push(response(j % conversations, 1, ts));
  return rows;
};

/** Where conversation `i`'s turns end: shifted so the ends of turns spread over a whole turn. */
const offsetOf = (i: number, conversations: number): number => Math.floor((i * TURN_TOKENS) / conversations);

/**
 * The rows of the run's `n`th token (0-based): the delta, preceded by the end of one turn and the
 * start of the next when the conversation's turn is full. Conversations take tokens in turn.
 */
export const tokenRows = (n: number, conversations: number, ts: number): Row[] => {
  const i = n % conversations;
  const k = Math.floor(n / conversations); // conversation i's kth token
  const position = k + offsetOf(i, conversations);
  const turn = 1 + Math.floor(position / TURN_TOKENS);
  const delta: Row = { ts, event: "llm/delta", data: { invokeId: invokeIdOf(i), turn, kind: "text", text: tokenText(n) } };
  if (k === 0 || position % TURN_TOKENS !== 0) return [delta];
  return [response(i, turn - 1, ts), request(i, turn, ts), delta];
};

/** Characters the page should show in all conversations together once the first `sent` tokens arrived. */
export const shownChars = (sent: number, conversations: number): number => {
  let chars = 0;
  for (let i = 0; i < conversations; i++) {
    const tokens = Math.floor(sent / conversations) + (i < sent % conversations ? 1 : 0);
    const last = tokens - 1 + offsetOf(i, conversations);
    // The first turn started at the conversation's first token; later ones at a multiple of TURN_TOKENS.
    if (tokens > 0) chars += (last < TURN_TOKENS ? tokens : (last % TURN_TOKENS) + 1) * TOKEN_CHARS;
  }
  return chars;
};
