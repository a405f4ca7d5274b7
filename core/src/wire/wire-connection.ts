/**
 * One renderer's WebSocket: handshake, resume, the ordered send queue with delta coalescing under
 * backpressure, heartbeats, and inbound frames (validated; a rejected frame is never applied).
 */
import { timingSafeEqual } from "node:crypto";
import type { WebSocket, RawData } from "ws";
import {
  CAPABILITIES,
  CLOSE_CODES,
  HEARTBEAT_MISSES_BEFORE_TIMEOUT,
  MAX_BLOB_READS_PER_CONNECTION,
  MAX_OUTBOUND_FRAME_BYTES,
  coalesceDeltas,
  decodeInbound,
  encodeFrame,
  errorFrame,
  heartbeatFrame,
  helloFrame,
  isStreamFrame,
  playbackFrame,
  rewindFrame,
  initialSequencerState,
  snapshotFrame,
  type AnswerFrame,
  type AttachFrame,
  type ControlFrame,
  type ErrorFrameInput,
  type InboundFrame,
  type OutboundFrame,
  type ReadBlobFrame,
  type SeekFrame,
  type SteerFrame,
  type StreamFrame,
} from "@escapement/wire-schema";
import type { Logger } from "../runtime/logger.js";

/** The minor of a protocol version string ("1.0.0" → 0); a version it cannot read counts as the newest. */
const minorOf = (version: string): number => {
  const minor = Number(version.split(".")[1]);
  return Number.isInteger(minor) ? minor : Number.MAX_SAFE_INTEGER;
};
import type { ControlResult } from "../debug/debug-gate.js";
import type { WireHub } from "./wire-hub.js";
import { blobFrame, serveBlob, type BlobSink, type BlobSource } from "./blob-serve.js";

/** What a connection needs from its server. */
export interface ConnectionContext {
  hub: WireHub;
  token: string;
  capabilities: readonly string[];
  heartbeatMs: number;
  handshakeTimeoutMs: number;
  /** Backlogs longer than this many frames get a snapshot instead. */
  resendLimit: number;
  /** Send queue pauses while the socket buffers more than this. */
  highWaterBytes: number;
  /** A queue longer than this for `slowTimeoutMs` (or 4x as long at once) closes the connection with 4009. */
  maxQueuedFrames: number;
  slowTimeoutMs: number;
  now: () => number;
  log: Logger;
  answer?: (frame: AnswerFrame, reply: (error: ErrorFrameInput) => void) => void;
  control?: (frame: ControlFrame) => ControlResult;
  /** Takes `seek` frames (a replay's playback). */
  seek?: (frame: SeekFrame) => RequestResult;
  /** Takes `steer` frames (a live run's messages for its conversations). */
  steer?: (frame: SteerFrame) => RequestResult;
  /** Answers `read-blob` frames from the session (its directory, or its store). */
  blobs?: BlobSource;
  /** A saved session served read-only: `hello.replay` is true. */
  replay?: boolean;
  onClose: (connection: WireConnection) => void;
  /** A renderer presented the right token: the handshake is complete. */
  onAttach?: (connection: WireConnection) => void;
}

export type { BlobSource };

/** A handler's answer to a renderer's request: done, or the error that refuses it (never fatal). */
export type RequestResult = { ok: true } | { ok: false; error: Omit<ErrorFrameInput, "fatal" | "inReplyTo"> };

type Item = { frame: OutboundFrame } | { make: () => OutboundFrame };

type Phase = "handshake" | "waiting-run" | "catching-up" | "live" | "closed";

const idOf = (text: RawData): string | undefined => {
  try {
    const value = JSON.parse(text.toString()) as { id?: unknown };
    return typeof value?.id === "string" && value.id.length >= 1 && value.id.length <= 128 ? value.id : undefined;
  } catch {
    return undefined;
  }
};

/** The answer to a binary message: frames are JSON in text messages (docs/wire.md, Transport). */
const binaryRefused = {
  ok: false,
  error: { code: "invalid-frame", path: "", message: "(frame): a binary message; frames are JSON objects in text messages" },
} as const;

const sameToken = (a: string, b: string): boolean => {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  return left.length === right.length && timingSafeEqual(left, right);
};

export class WireConnection {
  readonly #ws: WebSocket;
  readonly #ctx: ConnectionContext;
  readonly #queue: Item[] = [];
  /** Live frames that arrived while older ones were re-read from disk. */
  #held: StreamFrame[] = [];
  #phase: Phase = "handshake";
  #since = 0;
  /** Last stream seq handed to the socket: the watermark of connection frames. */
  #watermark = 0;
  /** Last stream seq put in the queue (or sent). */
  #queuedSeq = 0;
  #lastSent: number;
  #lastReceived: number;
  #overSince: number | undefined;
  #pumpTimer: NodeJS.Timeout | undefined;
  #handshakeTimer: NodeJS.Timeout | undefined;
  #heartbeatTimer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  /** Counts the hub's rewinds: a catch-up from disk begun before one stops. */
  #rewinds = 0;
  /** The renderer speaks 1.1 or later: it knows `rewind` (a 1.0 renderer gets an empty snapshot instead). */
  #knowsRewind = true;
  #drainWaiters: (() => void)[] = [];
  #client = "";
  /** `read-blob` requests being answered. */
  #reads = 0;
  /** Frames coalesced on this connection (for tests and logs). */
  coalesced = 0;

  constructor(ws: WebSocket, ctx: ConnectionContext) {
    this.#ws = ws;
    this.#ctx = ctx;
    this.#lastSent = ctx.now();
    this.#lastReceived = ctx.now();
    ws.on("message", (data, isBinary) => this.#onMessage(data, isBinary));
    ws.on("close", () => this.#closed());
    ws.on("error", (error) => ctx.log.debug("wire: socket error", { error: error.message }));
    this.#handshakeTimer = setTimeout(
      () =>
        this.#fatal({ code: "handshake-timeout", path: "", message: `(frame): no attach within ${ctx.handshakeTimeoutMs} ms` }, CLOSE_CODES.handshakeTimeout),
      ctx.handshakeTimeoutMs,
    );
  }

  get attached(): boolean {
    return this.#phase === "catching-up" || this.#phase === "live" || this.#phase === "waiting-run";
  }

  get queued(): number {
    return this.#queue.length;
  }

  // --- inbound ---------------------------------------------------------------------------------

  #onMessage(data: RawData, isBinary: boolean): void {
    if (this.#phase === "closed") return;
    this.#lastReceived = this.#ctx.now();
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    // Frames are text messages: a binary one is refused unread, whatever it holds.
    // Text is decoded here, not by the transport, so invalid UTF-8 is an error frame (malformed-json), not a 1007 close.
    const decoded = isBinary ? binaryRefused : decodeInbound(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    if (!decoded.ok) {
      const { code, path, message } = decoded.error;
      if (this.#phase === "handshake") {
        this.#fatal({ code, path, message }, code === "unsupported-version" ? CLOSE_CODES.unsupportedVersion : CLOSE_CODES.protocolError);
        return;
      }
      const inReplyTo = code === "too-large" || isBinary ? undefined : idOf(bytes);
      this.#refuse({ code, path, message, ...(inReplyTo === undefined ? {} : { inReplyTo }) });
      return;
    }
    this.#apply(decoded.frame);
  }

  #apply(frame: InboundFrame): void {
    const inReplyTo = frame.id === undefined ? {} : { inReplyTo: frame.id };
    if (this.#phase === "handshake") {
      if (frame.kind !== "attach") {
        this.#fatal(
          { code: "not-attached", path: "/kind", message: `/kind: ${frame.kind} before attach; the first frame must be attach`, ...inReplyTo },
          CLOSE_CODES.protocolError,
        );
        return;
      }
      this.#attach(frame);
      return;
    }
    switch (frame.kind) {
      case "attach":
        this.#refuse({ code: "already-attached", path: "/kind", message: "/kind: this connection is already attached; attach ignored", ...inReplyTo });
        return;
      case "ping":
        this.#enqueue({ make: () => heartbeatFrame(this.#watermark, this.#ctx.now(), frame.id) });
        return;
      case "answer": {
        const answer = this.#ctx.answer;
        if (!answer || !this.#ctx.capabilities.includes(CAPABILITIES.answer)) {
          this.#refuse({ code: "not-supported", path: "/kind", message: "/kind: this core does not accept answers (no answer capability)", ...inReplyTo });
          return;
        }
        answer(frame, (error) => this.#refuse(error));
        return;
      }
      case "control": {
        const control = this.#ctx.control;
        if (!control || !this.#ctx.capabilities.includes(CAPABILITIES.control)) {
          this.#refuse({
            code: "not-supported",
            path: "/kind",
            message: "/kind: this core does not accept control frames (no control capability)",
            ...inReplyTo,
          });
          return;
        }
        this.#ctx.log.info("wire: control", { action: frame.action, ...(frame.n === undefined ? {} : { n: frame.n }), client: this.#client });
        const result = control(frame);
        if (!result.ok) this.#refuse({ ...result.error, fatal: false, ...inReplyTo });
        return;
      }
      case "seek": {
        const seek = this.#ctx.seek;
        if (!seek || !this.#ctx.capabilities.includes(CAPABILITIES.playback)) {
          this.#refuse({
            code: "not-supported",
            path: "/kind",
            message: "/kind: this core does not accept seek frames (no playback capability)",
            ...inReplyTo,
          });
          return;
        }
        this.#ctx.log.info("wire: seek", { to: frame.to, client: this.#client });
        const result = seek(frame);
        if (!result.ok) this.#refuse({ ...result.error, fatal: false, ...inReplyTo });
        return;
      }
      case "steer": {
        const steer = this.#ctx.steer;
        if (!steer || !this.#ctx.capabilities.includes(CAPABILITIES.steer)) {
          this.#refuse({
            code: "not-supported",
            path: "/kind",
            message: "/kind: this core does not accept steer frames (no steer capability)",
            ...inReplyTo,
          });
          return;
        }
        // The text is the user's own words: the log names its length, not its content.
        this.#ctx.log.info("wire: steer", { conversation: frame.conversation, chars: frame.text.length, client: this.#client });
        const result = steer(frame);
        if (!result.ok) this.#refuse({ ...result.error, fatal: false, ...inReplyTo });
        return;
      }
      case "read-blob": {
        const blobs = this.#ctx.blobs;
        if (!blobs || !this.#ctx.capabilities.includes(CAPABILITIES.blobs)) {
          this.#refuse({ code: "not-supported", path: "/kind", message: "/kind: this core does not serve blobs (no blobs capability)", ...inReplyTo });
          return;
        }
        if (this.#reads >= MAX_BLOB_READS_PER_CONNECTION) {
          this.#refuse({
            code: "too-many-reads",
            path: "",
            message: `(frame): ${this.#reads} reads of this connection are still being answered (at most ${MAX_BLOB_READS_PER_CONNECTION}); read ${JSON.stringify(frame.ref)} again once one ended`,
            ...inReplyTo,
          });
          return;
        }
        this.#readBlob(frame, blobs);
        return;
      }
      default: {
        // A kind of the protocol this server takes no part in (its capability is not in hello): never silence.
        const kind = (frame as InboundFrame).kind;
        this.#refuse({ code: "not-supported", path: "/kind", message: `/kind: this core does not accept ${kind} frames here`, ...inReplyTo });
      }
    }
  }

  #readBlob(frame: ReadBlobFrame, blobs: BlobSource): void {
    this.#reads += 1;
    this.#ctx.log.debug("wire: read-blob", { ref: frame.ref, client: this.#client });
    const sink: BlobSink = {
      send: (chunk) => this.#enqueue({ make: () => blobFrame(this.#watermark, chunk) }),
      refuse: (error) => this.#refuse({ ...error, inReplyTo: frame.id }),
      drained: () => this.#drained(),
      open: () => this.#phase !== "closed",
      release: () => {
        this.#reads -= 1;
      },
    };
    serveBlob(blobs, frame, sink).catch((error: unknown) => {
      // A fault of the core, not of the ref: the renderer is told, the run carries on.
      this.#ctx.log.warn("wire: read-blob failed", { ref: frame.ref, error: (error as Error).message });
      this.#refuse({
        code: "internal",
        path: "",
        message: `(frame): reading ${JSON.stringify(frame.ref)} failed: ${(error as Error).message}`,
        inReplyTo: frame.id,
      });
    });
  }

  #attach(frame: AttachFrame): void {
    const inReplyTo = frame.id === undefined ? {} : { inReplyTo: frame.id };
    if (!sameToken(frame.token, this.#ctx.token)) {
      this.#fatal(
        { code: "unauthorized", path: "/token", message: "/token: wrong token for this run (see the session's wire.json)", ...inReplyTo },
        CLOSE_CODES.unauthorized,
      );
      return;
    }
    clearTimeout(this.#handshakeTimer);
    this.#since = frame.since ?? 0;
    this.#knowsRewind = minorOf(frame.protocol.version) >= 1;
    this.#client = frame.client ? `${frame.client.name}${frame.client.version ? ` ${frame.client.version}` : ""}` : "";
    this.#ctx.log.info("wire: renderer attached", { client: this.#client, since: this.#since });
    this.#phase = "waiting-run";
    // Live frames are collected from now on, so nothing falls between the backlog and the live stream.
    const hub = this.#ctx.hub;
    const unsubscribe = [hub.subscribe((frames) => this.#onLive(frames)), hub.onRewind(() => this.#onRewind()), hub.onPlayback(() => this.#sendPlayback())];
    this.#unsubscribe = () => unsubscribe.forEach((off) => off());
    this.#startHeartbeats();
    // Hello names the run: wait for its runner/started row (normally already there).
    this.#ctx.hub.onRun(() => this.#greet());
    this.#ctx.onAttach?.(this);
  }

  #greet(): void {
    if (this.#phase !== "waiting-run") return;
    const hub = this.#ctx.hub;
    const upTo = hub.seq;
    // A `since` ahead of the run names frames that do not exist: the stream goes on from the
    // run's last frame (after a snapshot as of it), and hello says so.
    const ahead = this.#since > upTo;
    const since = Math.min(this.#since, upTo);
    // Frames held while waiting are all <= upTo: the backlog below covers them.
    this.#held = [];
    this.#watermark = since;
    this.#queuedSeq = since;
    const hello = helloFrame(
      { ...hub.run!, replay: this.#ctx.replay ?? false, capabilities: [...this.#ctx.capabilities], heartbeatMs: this.#ctx.heartbeatMs },
      since,
    );
    const snapshot = ahead || upTo - since > this.#ctx.resendLimit;
    const fromWindow = snapshot ? undefined : hub.framesSince(since);
    this.#phase = snapshot || fromWindow ? "live" : "catching-up";
    // Hello goes first, ahead of anything answered while waiting (a heartbeat for a ping, an error).
    this.#queue.unshift({ frame: hello });
    if (snapshot) this.#sendSnapshot();
    else if (fromWindow) for (const frame of fromWindow) this.#enqueueStream(frame);
    else void this.#catchUpFromDisk(since, upTo);
    this.#sendPlayback();
    this.#pump();
  }

  async #catchUpFromDisk(since: number, upTo: number): Promise<void> {
    const rewinds = this.#rewinds;
    try {
      for await (const frame of this.#ctx.hub.replayEarlier(since, upTo)) {
        if (this.#phase === "closed" || this.#rewinds !== rewinds) return;
        this.#enqueueStream(frame);
        if (this.#queue.length > 256) await this.#drained();
      }
    } catch (error) {
      this.#ctx.log.warn("wire: re-reading the transcript failed; sending a snapshot", { error: (error as Error).message });
    }
    if (this.#phase !== "catching-up" || this.#rewinds !== rewinds) return;
    if (this.#queuedSeq < upTo) {
      // The transcript could not give every missing frame: the snapshot replaces them.
      this.#ctx.log.warn("wire: transcript replay fell short; sending a snapshot", { got: this.#queuedSeq, wanted: upTo });
      this.#held = this.#held.filter((frame) => frame.seq > this.#ctx.hub.seq);
      this.#sendSnapshot();
    }
    this.#phase = "live";
    const held = this.#held;
    this.#held = [];
    for (const frame of held) this.#enqueueStream(frame);
  }

  #sendSnapshot(): void {
    const snapshot = this.#ctx.hub.snapshot();
    this.#queuedSeq = snapshot.seq;
    this.#enqueue({ frame: snapshot });
  }

  /** The hub started the stream over: what is queued of the old one goes, a `rewind` tells the renderer. */
  #onRewind(): void {
    // Before hello the greeting starts from the hub as it is then.
    if (this.#phase !== "live" && this.#phase !== "catching-up") return;
    this.#rewinds += 1;
    const stale = (item: Item) => "frame" in item && (isStreamFrame(item.frame) || item.frame.kind === "snapshot");
    for (let i = this.#queue.length - 1; i >= 0; i--) if (stale(this.#queue[i]!)) this.#queue.splice(i, 1);
    this.#held = [];
    this.#queuedSeq = 0;
    this.#phase = "live";
    // A 1.0 renderer ignores kinds it does not know; an empty snapshot as of seq 0 starts its
    // view over the same way, so the stream going on at seq 1 is no gap to it.
    this.#enqueue({ frame: this.#knowsRewind ? rewindFrame() : snapshotFrame(initialSequencerState) });
  }

  /** The hub's playback state, as of what this connection has sent when it leaves. */
  #sendPlayback(): void {
    const hub = this.#ctx.hub;
    if (!hub.playback || (this.#phase !== "live" && this.#phase !== "catching-up")) return;
    // Made when it leaves: the state as it is then.
    this.#enqueue({ make: () => playbackFrame(this.#watermark, hub.playback!) });
  }

  #onLive(frames: readonly StreamFrame[]): void {
    if (this.#phase === "live") for (const frame of frames) this.#enqueueStream(frame);
    else if (this.#phase === "catching-up" || this.#phase === "waiting-run") this.#held.push(...frames);
  }

  // --- outbound --------------------------------------------------------------------------------

  #enqueueStream(frame: StreamFrame): void {
    if (frame.seq <= this.#queuedSeq) return; // covered by a snapshot or already queued
    this.#queuedSeq = frame.seq;
    const last = this.#queue[this.#queue.length - 1];
    if (last && "frame" in last && this.#ctx.capabilities.includes(CAPABILITIES.coalesceDeltas)) {
      // Only frames still waiting (the socket is backed up) are ever merged.
      const merged = coalesceDeltas(last.frame, frame);
      if (merged) {
        last.frame = merged;
        this.coalesced += 1;
        return;
      }
    }
    this.#enqueue({ frame });
  }

  #enqueue(item: Item): void {
    if (this.#phase === "closed") return;
    this.#queue.push(item);
    this.#pump();
  }

  #pump(): void {
    // Nothing goes out before hello (which waits for the run's ids).
    if (this.#phase === "closed" || this.#phase === "waiting-run") return;
    while (this.#queue.length > 0) {
      if (this.#ws.bufferedAmount >= this.#ctx.highWaterBytes) {
        this.#checkSlow();
        this.#pumpTimer ??= setTimeout(() => {
          this.#pumpTimer = undefined;
          this.#pump();
        }, 10);
        return;
      }
      const item = this.#queue.shift() as Item;
      this.#send("frame" in item ? item.frame : item.make());
    }
    this.#overSince = undefined;
    for (const resolve of this.#drainWaiters.splice(0)) resolve();
  }

  #drained(): Promise<void> {
    if (this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  #send(frame: OutboundFrame): void {
    if (this.#ws.readyState !== this.#ws.OPEN) return;
    const text = encodeFrame(frame);
    if (text.length > MAX_OUTBOUND_FRAME_BYTES) this.#ctx.log.warn("wire: frame above the 4 MiB outbound limit", { kind: frame.kind, seq: frame.seq });
    this.#ws.send(text);
    this.#lastSent = this.#ctx.now();
    if (isStreamFrame(frame) || frame.kind === "snapshot" || frame.kind === "rewind") this.#watermark = frame.seq;
  }

  #checkSlow(): void {
    const { maxQueuedFrames, slowTimeoutMs } = this.#ctx;
    if (this.#queue.length <= maxQueuedFrames) {
      this.#overSince = undefined;
      return;
    }
    const now = this.#ctx.now();
    this.#overSince ??= now;
    if (this.#queue.length > maxQueuedFrames * 4 || now - this.#overSince >= slowTimeoutMs) {
      this.#fatal(
        {
          code: "too-slow",
          path: "",
          message: `(connection): ${this.#queue.length} frames waiting for this renderer; reconnect with since=${this.#watermark}`,
        },
        CLOSE_CODES.tooSlow,
      );
    }
  }

  /** A rejected frame: an error frame, the connection stays. */
  #refuse(error: Omit<ErrorFrameInput, "fatal"> & { fatal?: boolean }): void {
    const input: ErrorFrameInput = { ...error, fatal: false };
    this.#enqueue({ make: () => errorFrame(this.#watermark, input) });
  }

  /** A refused connection: an error frame, then the close code. Bypasses the queue. */
  #fatal(error: Omit<ErrorFrameInput, "fatal">, closeCode: number): void {
    if (this.#phase === "closed") return;
    this.#ctx.log.info("wire: closing a renderer connection", { code: error.code, closeCode, client: this.#client });
    this.#send(errorFrame(this.#watermark, { ...error, fatal: true }));
    this.close(closeCode, error.code);
  }

  #startHeartbeats(): void {
    const { heartbeatMs } = this.#ctx;
    if (heartbeatMs <= 0) return;
    this.#heartbeatTimer = setInterval(
      () => {
        const now = this.#ctx.now();
        if (now - this.#lastReceived >= heartbeatMs * HEARTBEAT_MISSES_BEFORE_TIMEOUT) {
          this.#fatal(
            { code: "heartbeat-timeout", path: "", message: `(connection): nothing received for ${now - this.#lastReceived} ms` },
            CLOSE_CODES.heartbeatTimeout,
          );
          return;
        }
        if (now - this.#lastSent >= heartbeatMs && this.#queue.length === 0 && this.#phase === "live") {
          this.#send(heartbeatFrame(this.#watermark, now));
        }
      },
      Math.max(5, Math.floor(heartbeatMs / 4)),
    );
  }

  /** Sends what is queued (waiting up to `graceMs` for a slow socket), then closes with `code`. */
  async end(code: number, reason: string, graceMs = 2000): Promise<void> {
    if (this.#phase === "closed") return;
    const deadline = this.#ctx.now() + graceMs;
    while ((this.#queue.length > 0 || this.#phase === "catching-up") && this.#ctx.now() < deadline && this.#ws.readyState === this.#ws.OPEN) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // Wait for the closing handshake, so the close code reaches the renderer before the socket goes.
    const closed = new Promise<void>((resolve) => {
      if (this.#ws.readyState === this.#ws.CLOSED) return resolve();
      const timer = setTimeout(resolve, Math.max(100, deadline - this.#ctx.now()));
      this.#ws.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.close(code, reason);
    await closed;
  }

  close(code: number, reason: string): void {
    if (this.#phase === "closed") return;
    this.#closed();
    try {
      this.#ws.close(code, reason.slice(0, 120));
    } catch {
      this.#ws.terminate();
    }
  }

  #closed(): void {
    if (this.#phase === "closed") return;
    this.#phase = "closed";
    clearTimeout(this.#handshakeTimer);
    clearTimeout(this.#pumpTimer);
    clearInterval(this.#heartbeatTimer);
    this.#unsubscribe?.();
    this.#queue.length = 0;
    this.#held = [];
    for (const resolve of this.#drainWaiters.splice(0)) resolve();
    this.#ctx.onClose(this);
  }
}
