/**
 * The live transport: a WebSocket to the core's wire server. It attaches with the run's token,
 * hands every valid outbound frame to `onFrame`, and when the socket drops it reconnects with
 * backoff and resumes with `since` = the last stream seq it delivered, so the store sees each
 * stream frame once.
 *
 * It also says how the core is doing (see liveness.ts): not answering the handshake, not
 * responding on an open socket, reconnecting (and for how much longer), or gone: a lost
 * connection that is not back within the reconnect window ends as `closed` with `gone`.
 */
import {
  CLOSE_CODES,
  PROTOCOL_MAJOR,
  PROTOCOL_NAME,
  PROTOCOL_VERSION,
  decodeOutbound,
  encodeFrame,
  isStreamFrame,
  type AnswerFrame,
  type AttachFrame,
  type ControlAction,
  type ControlFrame,
  type SeekFrame,
  type SeekTarget,
  type SteerFrame,
  type OutboundFrame,
  type ReadBlobFrame,
} from "@escapement/wire-schema";
import { DEFAULT_BACKOFF, RECONNECT_WINDOW_MS, reconnectDelay, type Backoff } from "./backoff.ts";
import type { ConnectionStatus, SkippedInput } from "./connection-status.ts";
import { livenessAt, nextChangeAt, type LinkTimes } from "./liveness.ts";
import { systemTimers, type Timers } from "./timers.ts";

export interface WsClientOptions {
  readonly url: string;
  readonly token: string;
  /** Last stream seq already held (a view restored from elsewhere); default 0. */
  readonly since?: number;
  readonly clientName?: string;
  readonly backoff?: Backoff;
  /** Give up after this many failed reconnects in a row; default: never (the window decides). */
  readonly maxAttempts?: number;
  /** A lost connection not back within this long ends as `closed` with `gone`; default RECONNECT_WINDOW_MS. */
  readonly reconnectWindowMs?: number;
  readonly timers?: Timers;
  readonly onFrame: (frame: OutboundFrame) => void;
  readonly onStatus?: (status: ConnectionStatus) => void;
  readonly onSkipped?: (skipped: SkippedInput) => void;
}

export interface WsClient {
  readonly status: ConnectionStatus;
  /** Last stream seq delivered; the `since` of the next attach. */
  readonly lastSeq: number;
  /**
   * Sends an answer; false when not connected (nothing is queued: a stale answer could be wrong).
   * `id`, when given, comes back as `inReplyTo` of an error frame that refuses the answer.
   */
  answer(promptId: string, value: unknown, id?: string): boolean;
  cancelPrompt(promptId: string, id?: string): boolean;
  control(action: ControlAction, n?: number): boolean;
  /** Moves a replay's playback (a core with the `playback` capability); false when not connected. */
  seek(to: SeekTarget): boolean;
  /**
   * Sends a message for a running conversation (a core with the `steer` capability); false when not
   * connected (nothing is queued: the user sees it was not sent). `id` comes back as `inReplyTo` of
   * an error frame that refuses it.
   */
  steer(conversation: string, text: string, id?: string): boolean;
  /** Asks for a blob (a core with the `blobs` capability); false when not connected. Its chunks come to `onFrame`. */
  readBlob(frame: ReadBlobFrame): boolean;
  /** Closes for good; no reconnect follows. */
  close(): void;
}

/** Closes after which reconnecting cannot help. */
const FINAL_CLOSE_CODES: ReadonlySet<number> = new Set([CLOSE_CODES.unauthorized, CLOSE_CODES.unsupportedVersion]);

const closeReason = (code: number, reason: string): string => (reason ? `${reason} (${code})` : `socket closed (${code})`);

const sameStatus = (a: ConnectionStatus, b: ConnectionStatus): boolean => JSON.stringify(a) === JSON.stringify(b);

export const connectWs = (options: WsClientOptions): WsClient => {
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const maxAttempts = options.maxAttempts ?? Number.POSITIVE_INFINITY;
  const windowMs = options.reconnectWindowMs ?? RECONNECT_WINDOW_MS;
  const timers = options.timers ?? systemTimers;
  let status: ConnectionStatus = { state: "connecting" };
  let lastSeq = options.since ?? 0;
  let socket: WebSocket | undefined;
  /** Times of the current socket. */
  let link: LinkTimes | undefined;
  let attempt = 0;
  let received = 0;
  let closedByUs = false;
  let runFinished = false;
  /** When the connection was lost (or the first attempt began); undefined while connected. */
  let lostAt: number | undefined = timers.now();
  let lastFrameAt: number | undefined;
  /** When the status left `connected`, while it is away from it. */
  let stalledAt: number | undefined;
  let cancelRetry: (() => void) | undefined;
  let cancelPing: (() => void) | undefined;
  let cancelCheck: (() => void) | undefined;

  /** The time frames stopped, for a status that says they did (once connected before). */
  const stalled = () => {
    if (lastFrameAt === undefined) return {};
    stalledAt ??= timers.now();
    return { stalledAt };
  };

  const setStatus = (next: ConnectionStatus) => {
    if (next.state === "connected") stalledAt = undefined;
    if (sameStatus(status, next)) return;
    status = next;
    options.onStatus?.(next);
  };

  const stopTimers = () => {
    cancelPing?.();
    cancelCheck?.();
    cancelPing = undefined;
    cancelCheck = undefined;
  };

  const sendFrame = (frame: AttachFrame | AnswerFrame | ControlFrame | SeekFrame | SteerFrame | ReadBlobFrame | { v: 1; kind: "ping" }): boolean => {
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(encodeFrame(frame));
    return true;
  };

  /** Shows how the core is doing on the current socket, and checks again when that can change. */
  const recheck = () => {
    cancelCheck?.();
    cancelCheck = undefined;
    if (!link) return;
    const now = timers.now();
    switch (livenessAt(link, now)) {
      case "timed-out":
        // A core that has sent nothing for three heartbeat intervals is gone; drop the socket and resume.
        return drop(CLOSE_CODES.heartbeatTimeout, "heartbeat timeout");
      case "responding":
        setStatus({ state: "connected" });
        break;
      case "not-responding":
        setStatus({ state: "not-responding", lastFrameAt: lastFrameAt ?? link.helloAt ?? link.openedAt, ...stalled() });
        break;
      case "no-answer":
        setStatus({ state: "no-answer", since: link.openedAt, ...stalled() });
        break;
      case "handshaking":
        break;
    }
    const at = nextChangeAt(link, now);
    if (at !== undefined) cancelCheck = timers.after(at - now, recheck);
  };

  const onHello = (frame: Extract<OutboundFrame, { kind: "hello" }>, now: number) => {
    attempt = 0;
    lostAt = undefined;
    link = { ...(link ?? { openedAt: now }), helloAt: now, heartbeatMs: frame.heartbeatMs };
    cancelPing?.();
    cancelPing = frame.heartbeatMs > 0 ? timers.every(frame.heartbeatMs, () => sendFrame({ v: PROTOCOL_MAJOR, kind: "ping" })) : undefined;
  };

  const onMessage = (data: unknown) => {
    received++;
    const now = timers.now();
    // Anything that arrives is a sign of life, even a message this renderer cannot use.
    lastFrameAt = now;
    if (link) link = { ...link, lastFrameAt: now };
    const text = typeof data === "string" ? data : data instanceof ArrayBuffer ? new Uint8Array(data) : (data as Uint8Array);
    const result = decodeOutbound(text);
    if (!result.ok) {
      recheck();
      options.onSkipped?.({ position: received, code: result.error.code, message: result.error.message });
      return;
    }
    const frame = result.frame;
    if (frame.kind === "hello") onHello(frame, now);
    if (isStreamFrame(frame) || frame.kind === "snapshot") lastSeq = Math.max(lastSeq, frame.seq);
    // A replay seeking backwards starts the stream over: a reconnect resumes the new one.
    else if (frame.kind === "rewind") lastSeq = frame.seq;
    if (frame.kind === "run-finished") runFinished = true;
    recheck();
    options.onFrame(frame);
  };

  const scheduleReconnect = (reason: string) => {
    attempt++;
    const now = timers.now();
    const since = lostAt ?? now;
    lostAt = since;
    const delay = attempt > maxAttempts ? undefined : reconnectDelay(backoff, attempt, now - since, windowMs);
    if (delay === undefined) {
      const gone = attempt <= maxAttempts;
      const why = gone ? `no connection for ${Math.round((now - since) / 1000)} s (${reason})` : reason;
      setStatus({ state: "closed", reason: why, ...(gone ? { gone } : {}), ...stalled() });
      return;
    }
    setStatus({ state: "reconnecting", attempt, retryInMs: delay, reason, giveUpAt: since + windowMs, ...stalled() });
    cancelRetry = timers.after(delay, open);
  };

  const onClose = (code: number, reason: string) => {
    stopTimers();
    socket = undefined;
    link = undefined;
    if (closedByUs) return;
    const why = closeReason(code, reason);
    const finished = runFinished && (code === CLOSE_CODES.normal || code === CLOSE_CODES.goingAway);
    if (FINAL_CLOSE_CODES.has(code) || finished) setStatus({ state: "closed", reason: finished ? "run finished" : why, ...stalled() });
    else scheduleReconnect(why);
  };

  /** Gives up on a socket whose core does not answer: its close handshake would wait for that core too. */
  const drop = (code: number, reason: string) => {
    const ws = socket;
    socket = undefined;
    try {
      ws?.close(code, reason);
    } catch {
      // Already closing.
    }
    onClose(code, reason);
  };

  function open() {
    cancelRetry = undefined;
    let ws: WebSocket;
    try {
      ws = new WebSocket(options.url);
    } catch (error) {
      scheduleReconnect(error instanceof Error ? error.message : String(error));
      return;
    }
    socket = ws;
    link = { openedAt: timers.now(), heartbeatMs: 0 };
    ws.binaryType = "arraybuffer";
    ws.onopen = () => {
      sendFrame({
        v: PROTOCOL_MAJOR,
        kind: "attach",
        token: options.token,
        protocol: { name: PROTOCOL_NAME, version: PROTOCOL_VERSION },
        since: lastSeq,
        client: { name: options.clientName ?? "escapement-tui" },
      });
    };
    ws.onmessage = (event) => {
      if (socket === ws) onMessage(event.data);
    };
    ws.onclose = (event) => {
      if (socket === ws) onClose(event.code, event.reason);
    };
    // An error is always followed by a close, which does the reconnecting.
    ws.onerror = () => {};
    recheck();
  }

  open();

  return {
    get status() {
      return status;
    },
    get lastSeq() {
      return lastSeq;
    },
    answer: (promptId, value, id) => sendFrame({ v: PROTOCOL_MAJOR, kind: "answer", ...(id === undefined ? {} : { id }), promptId, value }),
    cancelPrompt: (promptId, id) => sendFrame({ v: PROTOCOL_MAJOR, kind: "answer", ...(id === undefined ? {} : { id }), promptId, cancelled: true }),
    control: (action, n) => sendFrame({ v: PROTOCOL_MAJOR, kind: "control", action, ...(n === undefined ? {} : { n }) }),
    seek: (to) => sendFrame({ v: PROTOCOL_MAJOR, kind: "seek", to }),
    steer: (conversation, text, id) => sendFrame({ v: PROTOCOL_MAJOR, kind: "steer", ...(id === undefined ? {} : { id }), conversation, text }),
    readBlob: (frame) => sendFrame(frame),
    close() {
      if (closedByUs) return;
      closedByUs = true;
      cancelRetry?.();
      stopTimers();
      socket?.close(CLOSE_CODES.normal, "renderer closed");
      socket = undefined;
      link = undefined;
      setStatus({ state: "closed", reason: "closed by renderer" });
    },
  };
};
