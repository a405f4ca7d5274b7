import type { ModelResponse, RecordedSteer, RequestOrigin } from "../protocol.js";
import type { NormalizedRequest } from "./normalize-request.js";

/**
 * The version this build writes. 2 stores streamed fragments as `[atMs, text]` tuples (a third
 * item "thinking" for thinking text) instead of `{atMs, kind, text}` objects: the stream is most
 * of a call's line. Cassettes of version 1 still load.
 */
export const cassetteVersion = 2;

/** Versions `loadCassette` reads. */
export const readableCassetteVersions: readonly number[] = [1, 2];

/** One streamed fragment, with its offset from the start of the call. */
export interface StreamFragment {
  atMs: number;
  kind: "text" | "thinking";
  text: string;
}

/** A fragment as a version 2 line stores it. */
export type RecordedFragment = [atMs: number, text: string] | [atMs: number, text: string, kind: "thinking"];

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
  stream: StreamFragment[];
  elapsedMs: number;
}

/**
 * A steering message as the model got it: injected into the conversation `origin.invokeId` just
 * before its step `origin.turn`. A replay sends it again at the same step, so the requests that
 * follow match. Readers older than steering skip these lines.
 */
export interface CassetteSteer extends RecordedSteer {
  kind: "steer";
}

export type CassetteLine = CassetteHeader | CassetteCall | CassetteSteer;

export const recordedFragment = (atMs: number, kind: StreamFragment["kind"], text: string): RecordedFragment =>
  kind === "thinking" ? [atMs, text, "thinking"] : [atMs, text];

/** A line's stream as loaded: version 1 objects as they are, version 2 tuples expanded. Undefined when malformed. */
export function fragmentsOf(stream: unknown): StreamFragment[] | undefined {
  if (!Array.isArray(stream)) return undefined;
  const fragments: StreamFragment[] = [];
  for (const item of stream) {
    if (Array.isArray(item)) {
      const [atMs, text, kind] = item as unknown[];
      if (typeof atMs !== "number" || typeof text !== "string" || (kind !== undefined && kind !== "thinking")) return undefined;
      fragments.push({ atMs, kind: kind ?? "text", text });
    } else {
      const fragment = item as Partial<StreamFragment> | null;
      if (typeof fragment?.atMs !== "number" || typeof fragment.text !== "string" || (fragment.kind !== "text" && fragment.kind !== "thinking"))
        return undefined;
      fragments.push({ atMs: fragment.atMs, kind: fragment.kind, text: fragment.text });
    }
  }
  return fragments;
}

/** A call as `CassetteWriter` takes it: the request as its JSON text, the stream as version 2 tuples. */
export type RecordedCall = Omit<CassetteCall, "request" | "stream"> & { stream: RecordedFragment[] };

/**
 * The line of a recorded call: `JSON.stringify` of it, with the request given as text (a
 * conversation's requests share most of their messages, whose text is kept; see
 * `normalizedRequestJson`).
 */
export function callJson(call: Omit<RecordedCall, "stream"> & { stream: readonly (RecordedFragment | StreamFragment)[] }, requestText: string): string {
  const { kind, position, origin, key, ...rest } = call;
  const head = JSON.stringify({ kind, position, origin, key });
  const tail = JSON.stringify(rest);
  return `${head.slice(0, -1)},"request":${requestText}${tail === "{}" ? "}" : `,${tail.slice(1)}`}`;
}
