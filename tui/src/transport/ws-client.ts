/**
 * The live transport: a WebSocket to the core's wire server. It attaches with the run's token,
 * hands every valid outbound frame to `onFrame`, and when the socket drops it reconnects with
 * backoff and resumes with `since` = the last stream seq it delivered, so the store sees each
 * stream frame once.
 */
import {
  CLOSE_CODES,
  HEARTBEAT_MISSES_BEFORE_TIMEOUT,
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
  type OutboundFrame,
} from "@escapement/wire-schema";
import { backoffDelay, DEFAULT_BACKOFF, type Backoff } from "./backoff.ts";
import type { ConnectionStatus, SkippedInput } from "./connection-status.ts";

export interface WsClientOptions {
  readonly url: string;
  readonly token: string;
  /** Last stream seq already held (a view restored from elsewhere); default 0. */
  readonly since?: number;
  readonly clientName?: string;
  readonly backoff?: Backoff;
  /** Give up after this many failed reconnects in a row; default: never. */
  readonly maxAttempts?: number;
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
  /** Closes for good; no reconnect follows. */
  close(): void;
}

/** Closes after which reconnecting cannot help. */
const FINAL_CLOSE_CODES: ReadonlySet<number> = new Set([CLOSE_CODES.unauthorized, CLOSE_CODES.unsupportedVersion]);

const closeReason = (code: number, reason: string): string => (reason ? `${reason} (${code})` : `socket closed (${code})`);

export const connectWs = (options: WsClientOptions): WsClient => {
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const maxAttempts = options.maxAttempts ?? Number.POSITIVE_INFINITY;
  let status: ConnectionStatus = { state: "connecting" };
  let lastSeq = options.since ?? 0;
  let socket: WebSocket | undefined;
  let attempt = 0;
  let received = 0;
  let closedByUs = false;
  let runFinished = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let pingTimer: ReturnType<typeof setInterval> | undefined;
  let silenceTimer: ReturnType<typeof setTimeout> | undefined;
  let heartbeatMs = 0;

  const setStatus = (next: ConnectionStatus) => {
    status = next;
    options.onStatus?.(next);
  };

  const stopTimers = () => {
    clearInterval(pingTimer);
    clearTimeout(silenceTimer);
    pingTimer = undefined;
    silenceTimer = undefined;
  };

  // A core that has sent nothing for three heartbeat intervals is gone; drop the socket and resume.
  const armSilenceTimer = () => {
    clearTimeout(silenceTimer);
    if (heartbeatMs <= 0) return;
    silenceTimer = setTimeout(() => socket?.close(CLOSE_CODES.heartbeatTimeout, "heartbeat timeout"), heartbeatMs * HEARTBEAT_MISSES_BEFORE_TIMEOUT);
  };

  const sendFrame = (frame: AttachFrame | AnswerFrame | ControlFrame | { v: 1; kind: "ping" }): boolean => {
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(encodeFrame(frame));
    return true;
  };

  const onHello = (frame: Extract<OutboundFrame, { kind: "hello" }>) => {
    attempt = 0;
    heartbeatMs = frame.heartbeatMs;
    clearInterval(pingTimer);
    if (heartbeatMs > 0) pingTimer = setInterval(() => sendFrame({ v: PROTOCOL_MAJOR, kind: "ping" }), heartbeatMs);
    setStatus({ state: "connected" });
  };

  const onMessage = (data: unknown) => {
    received++;
    const text = typeof data === "string" ? data : data instanceof ArrayBuffer ? new Uint8Array(data) : (data as Uint8Array);
    const result = decodeOutbound(text);
    if (!result.ok) {
      armSilenceTimer();
      options.onSkipped?.({ position: received, code: result.error.code, message: result.error.message });
      return;
    }
    const frame = result.frame;
    if (frame.kind === "hello") onHello(frame);
    if (isStreamFrame(frame) || frame.kind === "snapshot") lastSeq = Math.max(lastSeq, frame.seq);
    if (frame.kind === "run-finished") runFinished = true;
    // After onHello, so the hello that announces the interval arms the first timer.
    armSilenceTimer();
    options.onFrame(frame);
  };

  const scheduleReconnect = (reason: string) => {
    attempt++;
    if (attempt > maxAttempts) {
      setStatus({ state: "closed", reason });
      return;
    }
    const retryInMs = backoffDelay(backoff, attempt);
    setStatus({ state: "reconnecting", attempt, retryInMs, reason });
    retryTimer = setTimeout(open, retryInMs);
  };

  const onClose = (code: number, reason: string) => {
    stopTimers();
    socket = undefined;
    if (closedByUs) return;
    const why = closeReason(code, reason);
    const finished = runFinished && (code === CLOSE_CODES.normal || code === CLOSE_CODES.goingAway);
    if (FINAL_CLOSE_CODES.has(code) || finished) setStatus({ state: "closed", reason: finished ? "run finished" : why });
    else scheduleReconnect(why);
  };

  function open() {
    retryTimer = undefined;
    let ws: WebSocket;
    try {
      ws = new WebSocket(options.url);
    } catch (error) {
      scheduleReconnect(error instanceof Error ? error.message : String(error));
      return;
    }
    socket = ws;
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
      armSilenceTimer();
    };
    ws.onmessage = (event) => onMessage(event.data);
    ws.onclose = (event) => {
      if (socket === ws) onClose(event.code, event.reason);
    };
    // An error is always followed by a close, which does the reconnecting.
    ws.onerror = () => {};
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
    close() {
      if (closedByUs) return;
      closedByUs = true;
      clearTimeout(retryTimer);
      stopTimers();
      socket?.close(CLOSE_CODES.normal, "renderer closed");
      socket = undefined;
      setStatus({ state: "closed", reason: "closed by renderer" });
    },
  };
};
