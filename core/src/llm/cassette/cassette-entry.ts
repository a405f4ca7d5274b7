import type { ModelResponse, RequestOrigin } from "../protocol.js";
import type { NormalizedRequest } from "./normalize-request.js";

export const cassetteVersion = 1;

export interface CassetteHeader {
  kind: "cassette";
  version: number;
  chartId: string;
  sessionId: string;
  createdAt: number;
}

/** One recorded model call, in the order calls were made. */
export interface CassetteCall {
  kind: "call";
  /** 1-based position among the run's calls. */
  position: number;
  origin: RequestOrigin;
  key: string;
  request: NormalizedRequest;
  /** The answer, or the categorized failure. */
  response?: ModelResponse;
  error?: { category: string; message: string; status?: number };
  /** Streamed fragments with their offset from the start of the call. */
  stream: { atMs: number; kind: "text" | "thinking"; text: string }[];
  elapsedMs: number;
}

export type CassetteLine = CassetteHeader | CassetteCall;

/**
 * `JSON.stringify(call)` for a call whose request is already text: a conversation's requests share
 * most of their messages, whose text is kept (see `normalizedRequestJson`).
 */
export function callJson(call: Omit<CassetteCall, "request">, requestText: string): string {
  const { kind, position, origin, key, ...rest } = call;
  const head = JSON.stringify({ kind, position, origin, key });
  const tail = JSON.stringify(rest);
  return `${head.slice(0, -1)},"request":${requestText}${tail === "{}" ? "}" : `,${tail.slice(1)}`}`;
}
