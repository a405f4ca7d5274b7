/** One LIVE panel row as fixed-width text (pure, so it is tested without rendering). */
import { conversationTokens, conversationTokensPerSecond, type ConversationView, type LiveRow } from "../domain/index.ts";
import { fit, formatCount, formatMs, formatRate, padEnd, padStart } from "./format.ts";

const FIXED = { marker: 2, status: 10, invoke: 14, tokens: 7, rate: 6, ttft: 7 } as const;
const GAPS = 5;

const modelWidth = (width: number): number => Math.max(6, width - FIXED.marker - FIXED.status - FIXED.invoke - FIXED.tokens - FIXED.rate - FIXED.ttft - GAPS);

/** The provider model that answered when known (without the provider prefix), else the alias asked for. */
export const modelLabel = (c: ConversationView): string => c.target?.split(":").slice(1).join(":") || c.target || c.model;

export const liveHeaderText = (width: number): string =>
  fit(
    [
      " ".repeat(FIXED.marker - 1),
      padEnd("STATUS", FIXED.status),
      padEnd("INVOKE", FIXED.invoke),
      padEnd("MODEL", modelWidth(width)),
      padStart("TOKENS", FIXED.tokens),
      padStart("TOK/S", FIXED.rate),
      padStart("TTFT", FIXED.ttft),
    ].join(" "),
    width,
  );

export const liveRowText = (row: LiveRow, selected: boolean, width: number, now: number): string => {
  const marker = padEnd(selected ? "›" : "", FIXED.marker - 1);
  if (row.kind === "child") {
    const child = row.child;
    const indent = row.depth === 1 ? "└ " : "";
    return fit([marker, padEnd(child.status, FIXED.status), `${indent}session ${child.childSessionId} (${child.chartId})`].join(" "), width);
  }
  const c = row.conversation;
  const invoke = row.depth === 0 ? row.label : `${"  ".repeat(row.depth - 1)}└ ${row.label}`;
  return fit(
    [
      marker,
      padEnd(c.status, FIXED.status),
      padEnd(invoke, FIXED.invoke),
      padEnd(modelLabel(c), modelWidth(width)),
      padStart(formatCount(conversationTokens(c)), FIXED.tokens),
      padStart(formatRate(conversationTokensPerSecond(c, now)), FIXED.rate),
      padStart(formatMs(c.ttftMs), FIXED.ttft),
    ].join(" "),
    width,
  );
};
