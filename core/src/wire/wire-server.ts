/**
 * The wire server: a WebSocket server (loopback, ephemeral port by default) that speaks wire
 * protocol v1 (docs/wire.md) to any number of renderers. Frames come from a `WireHub` fed by the
 * runner's row tap; `answer` frames go to a `WireHuman`, `control` frames to the `DebugGate`,
 * `steer` frames to the host's `steer` handler; `read-blob` frames are answered from the session
 * (its directory, or the store that keeps it).
 */
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import {
  CAPABILITIES,
  CLOSE_CODES,
  DEFAULT_HEARTBEAT_MS,
  HANDSHAKE_TIMEOUT_MS,
  MAX_INBOUND_FRAME_BYTES,
  type ControlFrame,
  type SeekFrame,
  type SteerFrame,
} from "@escapement/wire-schema";
import type { ControlResult } from "../debug/debug-gate.js";
import type { DebugGate } from "../debug/debug-gate.js";
import { silentLogger, type Logger } from "../runtime/logger.js";
import { WireConnection, type BlobSource, type ConnectionContext, type RequestResult } from "./wire-connection.js";
import type { WireHub } from "./wire-hub.js";
import type { WireHuman } from "./wire-human.js";

export interface WireServerOptions {
  hub: WireHub;
  /** The run's token; renderers must present it in `attach`. */
  token: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Answers plain HTTP requests on the same port (the browser renderer's files); without it they get 426. */
  http?: RequestListener;
  /** Answers prompts; without it the `answer` capability is absent. */
  human?: WireHuman;
  /** Takes `control` frames; without it the `control` capability is absent. */
  gate?: DebugGate;
  /** Takes `control` frames instead of a gate (a replay's playback: pause, continue, step). */
  control?: (frame: ControlFrame) => ControlResult;
  /** Takes `seek` frames (a replay's playback); announces the `playback` capability. */
  seek?: (frame: SeekFrame) => RequestResult;
  /** Takes `steer` frames (messages for a running conversation); announces the `steer` capability. */
  steer?: (frame: SteerFrame) => RequestResult;
  /** Answers `read-blob` frames from the session (its directory, or its store); announces the `blobs` capability. */
  blobs?: BlobSource;
  /** Serving a saved session: `hello.replay` is true. */
  replay?: boolean;
  heartbeatMs?: number;
  handshakeTimeoutMs?: number;
  /** A backlog longer than this (in stream frames) gets a snapshot instead. Default 20,000. */
  resendLimit?: number;
  /** Socket buffer above which frames wait in the connection's queue (and deltas coalesce). Default 1 MiB. */
  highWaterBytes?: number;
  /** Default 50,000 frames; see `slowTimeoutMs`. */
  maxQueuedFrames?: number;
  /** A connection whose queue stays above `maxQueuedFrames` this long is closed with 4009. Default 10 s. */
  slowTimeoutMs?: number;
  now?: () => number;
  log?: Logger;
}

export class WireServer {
  readonly #wss: WebSocketServer;
  readonly #http: Server | undefined;
  readonly #connections = new Set<WireConnection>();
  readonly #ctx: ConnectionContext;
  #closing: Promise<void> | undefined;
  /** Called whenever a renderer completes the handshake or a connection closes. */
  readonly #watchers = new Set<() => void>();

  private constructor(wss: WebSocketServer, http: Server | undefined, ctx: Omit<ConnectionContext, "onClose" | "onAttach">) {
    this.#wss = wss;
    this.#http = http;
    this.#ctx = {
      ...ctx,
      onClose: (connection) => {
        this.#connections.delete(connection);
        this.#notify();
      },
      onAttach: () => this.#notify(),
    };
    wss.on("connection", (ws) => {
      if (this.#closing) {
        ws.close(CLOSE_CODES.goingAway, "shutting down");
        return;
      }
      this.#connections.add(new WireConnection(ws, this.#ctx));
    });
  }

  static start(options: WireServerOptions): Promise<WireServer> {
    const log = options.log ?? silentLogger;
    const capabilities = [
      CAPABILITIES.resume,
      CAPABILITIES.snapshot,
      ...(options.human ? [CAPABILITIES.answer] : []),
      ...(options.gate || options.control ? [CAPABILITIES.control] : []),
      CAPABILITIES.coalesceDeltas,
      ...(options.seek ? [CAPABILITIES.playback] : []),
      ...(options.steer ? [CAPABILITIES.steer] : []),
      ...(options.blobs ? [CAPABILITIES.blobs] : []),
    ];
    const human = options.human;
    const gate = options.gate;
    return new Promise((resolve, reject) => {
      // Frames up to 4x the limit get a `too-large` error frame; beyond that the transport cuts
      // the message off unread and closes with 1009 (no error frame: docs/wire.md, Size limits).
      // The connection checks UTF-8 itself and answers bad text with an error frame (malformed-json).
      const limits = { maxPayload: MAX_INBOUND_FRAME_BYTES * 4, perMessageDeflate: false, skipUTF8Validation: true };
      const http = options.http ? createServer(options.http) : undefined;
      const wss = http
        ? new WebSocketServer({ server: http, ...limits })
        : new WebSocketServer({ host: options.host ?? "127.0.0.1", port: options.port ?? 0, ...limits });
      const onError = (error: Error) => reject(error);
      wss.once("error", onError);
      wss.once("listening", () => {
        wss.off("error", onError);
        wss.on("error", (error) => log.warn("wire: server error", { error: error.message }));
        resolve(
          new WireServer(wss, http, {
            hub: options.hub,
            token: options.token,
            capabilities,
            heartbeatMs: options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
            handshakeTimeoutMs: options.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS,
            resendLimit: options.resendLimit ?? 20_000,
            highWaterBytes: options.highWaterBytes ?? 1024 * 1024,
            maxQueuedFrames: options.maxQueuedFrames ?? 50_000,
            slowTimeoutMs: options.slowTimeoutMs ?? 10_000,
            now: options.now ?? Date.now,
            log,
            ...(human ? { answer: (frame, reply) => human.answer(frame, reply) } : {}),
            ...(gate ? { control: (frame: ControlFrame) => gate.control(frame.action, frame.n ?? 1) } : {}),
            ...(options.control ? { control: options.control } : {}),
            ...(options.seek ? { seek: options.seek } : {}),
            ...(options.steer ? { steer: options.steer } : {}),
            ...(options.blobs ? { blobs: options.blobs } : {}),
            ...(options.replay ? { replay: true } : {}),
          }),
        );
      });
      http?.listen(options.port ?? 0, options.host ?? "127.0.0.1");
    });
  }

  /** http://host:port of the same server (IPv6 hosts in brackets): where the browser renderer is served. */
  get httpUrl(): string {
    return this.url.replace(/^ws:/, "http:");
  }

  /** ws://host:port (IPv6 hosts in brackets). */
  get url(): string {
    const address = this.#wss.address() as AddressInfo;
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
    return `ws://${host}:${address.port}`;
  }

  get port(): number {
    return (this.#wss.address() as AddressInfo).port;
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  get connections(): readonly WireConnection[] {
    return [...this.#connections];
  }

  /** Renderers that completed the handshake and are still connected. */
  get attachedCount(): number {
    let count = 0;
    for (const connection of this.#connections) if (connection.attached) count += 1;
    return count;
  }

  /**
   * Resolves true once any renderer has completed the handshake (at once if one already has),
   * false when `timeoutMs` passes or `signal` aborts first.
   */
  waitForRenderer(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return this.#waitUntil(() => this.attachedCount > 0, timeoutMs, signal);
  }

  /**
   * Lets attached renderers stay after the run: resolves once no renderer is attached, or after
   * `ms`, or when `signal` aborts, whichever comes first.
   */
  async linger(ms: number, signal?: AbortSignal): Promise<void> {
    await this.#waitUntil(() => this.attachedCount === 0, ms, signal);
  }

  #notify(): void {
    for (const watcher of [...this.#watchers]) watcher();
  }

  /** True when `condition` holds (now or later), false on timeout, abort or close. */
  #waitUntil(condition: () => boolean, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (condition()) return Promise.resolve(true);
    if (timeoutMs <= 0 || signal?.aborted || this.#closing) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = (met: boolean) => {
        clearTimeout(timer);
        this.#watchers.delete(watcher);
        signal?.removeEventListener("abort", onAbort);
        resolve(met);
      };
      const watcher = () => {
        if (condition()) finish(true);
        else if (this.#closing) finish(false);
      };
      const onAbort = () => finish(false);
      const timer = setTimeout(() => finish(false), timeoutMs);
      this.#watchers.add(watcher);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /**
   * Closes every connection (after sending what is queued, up to `graceMs`) with `code` (1000
   * when the run finished, 1001 when shutting down) and stops listening.
   */
  close(code: number = CLOSE_CODES.normal, reason = code === CLOSE_CODES.normal ? "run finished" : "shutting down", graceMs = 2000): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closing = (async () => {
      await Promise.all([...this.#connections].map((connection) => connection.end(code, reason, graceMs)));
      await new Promise<void>((resolve) => {
        for (const client of this.#wss.clients) client.terminate();
        this.#wss.close(() => resolve());
      });
      if (this.#http) {
        const http = this.#http;
        // A browser keeps idle HTTP connections open: they must not hold the server up.
        await new Promise<void>((resolve) => {
          http.close(() => resolve());
          http.closeAllConnections();
        });
      }
    })();
    // Waiters for a renderer give up: none can attach any more.
    this.#notify();
    return this.#closing;
  }
}
