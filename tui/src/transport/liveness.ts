/**
 * Whether the core is answering on the current socket, from when things happened on it. Pure:
 * the WebSocket client feeds it times and arms one timer for `nextChangeAt`.
 *
 * - Before `hello`: the handshake (socket upgrade, attach, hello) has `HELLO_WAIT_MS`; after
 *   that the core is shown as not answering (a stopped or hung core accepts the connection but
 *   never answers), and the client keeps waiting.
 * - After `hello`, with heartbeats on: any frame, heartbeats included, is a sign of life. After
 *   `SILENT_INTERVALS` heartbeat intervals without one the core is shown as not responding; after
 *   the protocol's `HEARTBEAT_MISSES_BEFORE_TIMEOUT` the socket is dropped and resumed.
 */
import { HEARTBEAT_MISSES_BEFORE_TIMEOUT } from "@escapement/wire-schema";

/** How long a connection attempt may take to get its `hello` before the core counts as not answering. */
export const HELLO_WAIT_MS = 5_000;
/** Heartbeat intervals without a frame before the core counts as not responding. */
export const SILENT_INTERVALS = 2;

export interface LinkTimes {
  /** When the current socket was created (the attempt began). */
  readonly openedAt: number;
  /** When its `hello` arrived. */
  readonly helloAt?: number;
  /** When its latest frame arrived, heartbeats included. */
  readonly lastFrameAt?: number;
  /** `hello.heartbeatMs`; 0 means the core sends none, so silence says nothing. */
  readonly heartbeatMs: number;
}

export const LIVENESS = ["handshaking", "no-answer", "responding", "not-responding", "timed-out"] as const;
export type Liveness = (typeof LIVENESS)[number];

const silentSince = (link: LinkTimes): number => link.lastFrameAt ?? link.helloAt ?? link.openedAt;

export const livenessAt = (link: LinkTimes, now: number): Liveness => {
  if (link.helloAt === undefined) return now - link.openedAt >= HELLO_WAIT_MS ? "no-answer" : "handshaking";
  if (link.heartbeatMs <= 0) return "responding";
  const silent = now - silentSince(link);
  if (silent >= link.heartbeatMs * HEARTBEAT_MISSES_BEFORE_TIMEOUT) return "timed-out";
  if (silent >= link.heartbeatMs * SILENT_INTERVALS) return "not-responding";
  return "responding";
};

/** The next time `livenessAt` changes if nothing arrives meanwhile; undefined when it will not. */
export const nextChangeAt = (link: LinkTimes, now: number): number | undefined => {
  if (link.helloAt === undefined) {
    const at = link.openedAt + HELLO_WAIT_MS;
    return now < at ? at : undefined;
  }
  if (link.heartbeatMs <= 0) return undefined;
  const since = silentSince(link);
  for (const intervals of [SILENT_INTERVALS, HEARTBEAT_MISSES_BEFORE_TIMEOUT]) {
    const at = since + link.heartbeatMs * intervals;
    if (now < at) return at;
  }
  return undefined;
};
