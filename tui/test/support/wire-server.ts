/**
 * A small real wire server for transport tests (Bun.serve, real sockets): it checks the token,
 * answers attach with hello, re-sends the stream frames after `since`, answers `read-blob` from
 * the blobs it is given (in chunks of `chunkBytes`), and records what the renderer sent.
 */
import type { ServerWebSocket } from "bun";
import {
  CLOSE_CODES,
  decodeInbound,
  encodeFrame,
  errorFrame,
  helloFrame,
  PROTOCOL_MAJOR,
  type InboundFrame,
  type OutboundFrame,
  type StreamFrame,
} from "@escapement/wire-schema";

export interface TestWireServer {
  readonly url: string;
  /** Every inbound frame received, in order, across connections. */
  readonly received: InboundFrame[];
  /** Attach frames, one per connection. */
  readonly attaches: Extract<InboundFrame, { kind: "attach" }>[];
  /** Appends stream frames and sends them to attached sockets. */
  push(frames: StreamFrame[]): void;
  /** Sends raw text to every attached socket. */
  sendRaw(text: string): void;
  /** Closes every socket with `code` (the server stays up for reconnects). */
  drop(code?: number, reason?: string): void;
  stop(): void;
}

export const startWireServer = (options: {
  token: string;
  heartbeatMs?: number;
  ids?: { sessionId: string; runId: string; chartId: string };
  /** Blobs by ref, served to `read-blob` (with the `blobs` capability); without it, reads are refused. */
  blobs?: Record<string, Uint8Array>;
  chunkBytes?: number;
}): TestWireServer => {
  const ids = options.ids ?? { sessionId: "s-1", runId: "run-1", chartId: "demo" };
  const log: StreamFrame[] = [];
  const received: InboundFrame[] = [];
  const attaches: Extract<InboundFrame, { kind: "attach" }>[] = [];
  const attached = new Set<ServerWebSocket<unknown>>();
  const lastSeq = () => log.at(-1)?.seq ?? 0;

  const answerRead = (ws: ServerWebSocket<unknown>, frame: Extract<InboundFrame, { kind: "read-blob" }>) => {
    const blob = options.blobs?.[frame.ref];
    if (!blob) {
      const error = options.blobs
        ? ({ code: "unknown-blob", path: "/ref", message: `/ref: ${JSON.stringify(frame.ref)} is not a blob of this session (no such file)` } as const)
        : ({ code: "not-supported", path: "/kind", message: "/kind: this core does not serve blobs (no blobs capability)" } as const);
      ws.send(encodeFrame(errorFrame(lastSeq(), { ...error, fatal: false, inReplyTo: frame.id })));
      return;
    }
    const end = Math.min(blob.length, (frame.offset ?? 0) + (frame.length ?? blob.length));
    const step = options.chunkBytes ?? 256 * 1024;
    for (let at = frame.offset ?? 0; ; at += step) {
      const data = Buffer.from(blob.subarray(at, Math.min(end, at + step))).toString("base64");
      const last = at + step >= end;
      ws.send(
        JSON.stringify({ v: PROTOCOL_MAJOR, kind: "blob", seq: lastSeq(), inReplyTo: frame.id, ref: frame.ref, offset: at, total: blob.length, data, last }),
      );
      if (last) return;
    }
  };

  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(request, srv) {
      if (srv.upgrade(request)) return undefined;
      return new Response("wire only", { status: 400 });
    },
    websocket: {
      message(ws, message) {
        const result = decodeInbound(typeof message === "string" ? message : new Uint8Array(message));
        if (!result.ok) {
          ws.send(encodeFrame(errorFrame(lastSeq(), { ...result.error, fatal: false })));
          return;
        }
        const frame = result.frame;
        received.push(frame);
        if (frame.kind === "read-blob") return answerRead(ws, frame);
        if (frame.kind !== "attach") return;
        attaches.push(frame);
        if (frame.token !== options.token) {
          ws.send(encodeFrame(errorFrame(lastSeq(), { code: "unauthorized", path: "/token", message: "bad token", fatal: true })));
          ws.close(CLOSE_CODES.unauthorized, "unauthorized");
          return;
        }
        const since = frame.since ?? 0;
        const capabilities = options.blobs ? ["answer", "control", "blobs"] : undefined;
        ws.send(encodeFrame(helloFrame({ ...ids, replay: false, heartbeatMs: options.heartbeatMs ?? 0, ...(capabilities ? { capabilities } : {}) }, since)));
        for (const f of log) if (f.seq > since) ws.send(encodeFrame(f));
        attached.add(ws);
      },
      close(ws) {
        attached.delete(ws);
      },
    },
  });

  return {
    url: `ws://127.0.0.1:${server.port}`,
    received,
    attaches,
    push(frames) {
      for (const frame of frames) {
        log.push(frame);
        for (const ws of attached) ws.send(encodeFrame(frame as OutboundFrame));
      }
    },
    sendRaw(text) {
      for (const ws of attached) ws.send(text);
    },
    drop(code = 1011, reason = "test drop") {
      for (const ws of attached) ws.close(code, reason);
      attached.clear();
    },
    stop() {
      void server.stop(true);
    },
  };
};

/** Resolves when `predicate` holds, polling each 5 ms; rejects after `timeoutMs`. */
export const until = async (predicate: () => boolean, timeoutMs = 3_000, what = "condition"): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
};
