import type { ContextRow } from "../engine/recorded-turns.js";
import type { ContentBlock, ModelMessage } from "../llm/protocol.js";
import { tokensOfLength } from "../llm/request-summary.js";

/**
 * How full a conversation's context is, from what its calls measured: the last response's tokens
 * (its prompt and reply, as the provider counted them) and the window they were a share of, plus
 * an estimate (four characters a token) of what the history gained since. Built only from what
 * the transcript records (`ContextRow`s), so a resume or a cassette replay measures the same and
 * decides the same. Pure.
 */
export interface ContextGauge {
  /** Tokens of the history as last measured (a response) or estimated (a compaction); undefined: nothing measured yet. */
  tokens?: number;
  /** Messages those tokens cover; undefined: the history up to its last reply of the model (a response's). */
  covered?: number;
  /** The context window in tokens, from the latest response that knew it (the router sets `contextUsed` from the catalog). */
  window?: number;
  /** The step a compaction was made or tried for: not tried again before it. */
  triedFor?: number;
}

/**
 * The gauge before step `turn + 1` of a conversation that has committed `turn` steps: its rows up
 * to then (a response of a later step, already on disk for a resume to reuse, is not counted yet).
 */
export function gaugeAt(rows: readonly ContextRow[], turn: number): ContextGauge {
  let gauge: ContextGauge = {};
  for (const row of rows) {
    if (row.kind === "response") {
      if (row.turn > turn) continue;
      const window = row.contextUsed !== undefined && row.contextUsed > 0 ? Math.round(row.tokens / row.contextUsed) : gauge.window;
      gauge = { tokens: row.tokens, ...(window === undefined ? {} : { window }) };
    } else if (row.turn <= turn + 1) {
      gauge = row.kind === "compacted" ? { ...gauge, tokens: row.tokens, covered: row.messages, triedFor: row.turn } : { ...gauge, triedFor: row.turn };
    }
  }
  return gauge;
}

const blockLength = (block: ContentBlock): number => {
  switch (block.type) {
    case "text":
    case "thinking":
      return block.text.length;
    case "tool-call":
      return block.name.length + 1 + (JSON.stringify(block.input) ?? "").length;
    case "tool-result":
      return block.output.length;
    case "image":
      return 0;
  }
};

/** A rough token count of messages: four characters a token. */
export const messagesTokens = (messages: readonly ModelMessage[]): number =>
  tokensOfLength(messages.reduce((sum, message) => sum + message.content.reduce((length, block) => length + blockLength(block), 0), 0));

/** The tokens the history `messages` would take in the next request; undefined before anything was measured. */
export function contextTokens(gauge: ContextGauge, messages: readonly ModelMessage[]): number | undefined {
  if (gauge.tokens === undefined) return undefined;
  const covered = gauge.covered ?? messages.findLastIndex((message) => message.role === "assistant") + 1;
  return gauge.tokens + messagesTokens(messages.slice(covered));
}
