/**
 * The WebSocket client: attaches with the token and `since` (the last stream seq applied), hands
 * every valid frame on, and reconnects with backoff when the socket drops or goes silent for
 * 3 × heartbeatMs, resuming where the view is. A refusal (wrong token, another major) stops it.
 */
import { CLOSE_CODES, PROTOCOL_MAJOR, PROTOCOL_NAME, PROTOCOL_VERSION, decodeOutbound, encodeFrame } from "@escapement/wire-schema/runtime";
import type { OutboundFrame } from "@escapement/wire-schema";
import { backoffMs } from "./backoff.js";

export type ConnectionState = "connecting" | "attached" | "reconnecting" | "closed" | "refused";

export interface ConnectionStatus {
  readonly state: ConnectionState;
  readonly detail?: string;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export interface WireClientOptions {
  readonly url: string;
  readonly token: string;
  /** The last stream seq the view applied: `since` of every attach. */
  readonly since: () => number;
  readonly onFrame: (frame: OutboundFrame) => void;
  readonly onStatus: (status: ConnectionStatus) => void;
  /** A frame that failed validation: reported, never applied. */
  readonly onInvalid: (message: string) => void;
  readonly createSocket: (url: string) => WebSocket;
  readonly timers: Timers;
  readonly clientVersion: string;
}

/** Close codes after which reconnecting cannot help. */
const REFUSALS: ReadonlySet<number> = new Set([CLOSE_CODES.unauthorized, CLOSE_CODES.unsupportedVersion, CLOSE_CODES.protocolError]);

export class WireClient {
  readonly #o: WireClientOptions;
  #socket: WebSocket | undefined;
  #attempt = 0;
  #heartbeatMs = 0;
  #lastReceived = 0;
  #lastSent = 0;
  #timer: unknown;
  #retry: unknown;
  #stopped = false;
  #finished = false;
  #ids = 0;

  constructor(options: WireClientOptions) {
    this.#o = options;
  }

  start(): void {
    this.#connect();
  }

  /** Sends a renderer frame when attached; false when there is no connection to take it. */
  send(frame: Record<string, unknown>): boolean {
    const socket = this.#socket;
    if (!socket || socket.readyState !== 1) return false;
    socket.send(encodeFrame({ v: PROTOCOL_MAJOR, ...frame } as never));
    this.#lastSent = this.#o.timers.now();
    return true;
  }

  /** A fresh id for a renderer frame (echoed as `inReplyTo`). */
  nextId(prefix: string): string {
    this.#ids += 1;
    return `${prefix}-${this.#ids}`;
  }

  /** Drops the connection and attaches again (with `since`): after a gap in the stream. */
  reconnect(): void {
    this.#socket?.close(4000, "resuming");
  }

  stop(): void {
    this.#stopped = true;
    this.#o.timers.clearTimeout(this.#timer);
    this.#o.timers.clearTimeout(this.#retry);
    this.#socket?.close(CLOSE_CODES.normal, "renderer closed");
  }

  #connect(): void {
    if (this.#stopped) return;
    this.#o.onStatus({ state: this.#attempt === 0 ? "connecting" : "reconnecting" });
    const socket = this.#o.createSocket(this.#o.url);
    this.#socket = socket;
    socket.onopen = () => {
      this.#lastReceived = this.#o.timers.now();
      this.send({
        kind: "attach",
        token: this.#o.token,
        protocol: { name: PROTOCOL_NAME, version: PROTOCOL_VERSION },
        since: this.#o.since(),
        client: { name: "escapement-web", version: this.#o.clientVersion },
      });
    };
    socket.onmessage = (message: MessageEvent) => {
      if (socket !== this.#socket) return;
      this.#lastReceived = this.#o.timers.now();
      if (typeof message.data !== "string") return this.#o.onInvalid("a binary message (the wire sends text only)");
      const decoded = decodeOutbound(message.data);
      if (!decoded.ok) return this.#o.onInvalid(`${decoded.error.code} ${decoded.error.path}: ${decoded.error.message}`);
      const frame = decoded.frame;
      if (frame.kind === "hello") {
        this.#attempt = 0;
        this.#heartbeatMs = frame.heartbeatMs;
        this.#o.onStatus({ state: "attached" });
        this.#tick();
      }
      if (frame.kind === "run-finished") this.#finished = true;
      if (frame.kind === "error" && frame.fatal) this.#o.onStatus({ state: "refused", detail: `${frame.code}: ${frame.message}` });
      this.#o.onFrame(frame);
    };
    socket.onclose = (event: CloseEvent) => {
      if (socket !== this.#socket) return;
      this.#socket = undefined;
      this.#o.timers.clearTimeout(this.#timer);
      if (this.#stopped) return this.#o.onStatus({ state: "closed" });
      if (REFUSALS.has(event.code)) return this.#o.onStatus({ state: "refused", detail: event.reason || `closed ${event.code}` });
      // The run is over and the core went: nothing more will come.
      if (this.#finished && (event.code === CLOSE_CODES.normal || event.code === CLOSE_CODES.goingAway)) {
        return this.#o.onStatus({ state: "closed", detail: "the run is over" });
      }
      const delay = backoffMs(this.#attempt);
      this.#attempt += 1;
      this.#o.onStatus({ state: "reconnecting", detail: `closed ${event.code}; again in ${Math.round(delay / 100) / 10} s` });
      this.#retry = this.#o.timers.setTimeout(() => this.#connect(), delay);
    };
  }

  /** Pings when idle, and gives up on a connection silent for 3 × heartbeatMs. */
  #tick(): void {
    this.#o.timers.clearTimeout(this.#timer);
    if (this.#heartbeatMs <= 0) return;
    const period = Math.max(250, Math.floor(this.#heartbeatMs / 2));
    this.#timer = this.#o.timers.setTimeout(() => {
      const now = this.#o.timers.now();
      if (now - this.#lastReceived > 3 * this.#heartbeatMs) {
        this.#socket?.close(4008, "heartbeat timeout");
        return;
      }
      if (now - this.#lastSent >= this.#heartbeatMs) this.send({ kind: "ping", id: this.nextId("ping") });
      this.#tick();
    }, period);
  }
}
