import { afterEach, describe, expect, test } from "bun:test";
import type { OutboundFrame } from "@escapement/wire-schema";
import { connectWs, type WsClient } from "../../src/transport/ws-client.ts";
import { createWireBlobReader, type WireBlobReader } from "../../src/transport/wire-blob-reader.ts";
import { startWireServer, until, type TestWireServer } from "../support/wire-server.ts";

let server: TestWireServer | undefined;
let client: WsClient | undefined;

afterEach(() => {
  client?.close();
  server?.stop();
  client = undefined;
  server = undefined;
});

/** A client reading blobs over the wire, as the TUI does without --session-dir: frames it takes never reach the view. */
const connect = (srv: TestWireServer, maxBytes?: number) => {
  const view: OutboundFrame[] = [];
  const blobs: WireBlobReader = createWireBlobReader({ send: (frame) => client!.readBlob(frame), ...(maxBytes === undefined ? {} : { maxBytes }) });
  client = connectWs({
    url: srv.url,
    token: "secret",
    backoff: { initialMs: 20, maxMs: 100, factor: 2 },
    onFrame: (frame) => {
      if (!blobs.take(frame)) view.push(frame);
    },
    onStatus: (status) => {
      if (status.state === "reconnecting" || status.state === "closed") blobs.failAll("the connection to the core was lost");
    },
  });
  return { blobs, view };
};

const payload = `{"request":"${"x".repeat(40)}🙂 ünïcödé"}`;

describe("reading blobs over the wire", () => {
  test("a ref's bytes arrive in chunks and join into the text, a character split across chunks included", async () => {
    server = startWireServer({ token: "secret", blobs: { "io.jsonl#offset=0&length=57": new TextEncoder().encode(payload) }, chunkBytes: 7 });
    const { blobs, view } = connect(server);
    await until(() => client!.status.state === "connected", 3_000, "connected");
    const result = await blobs.read("io.jsonl#offset=0&length=57");
    expect(result).toEqual({ ok: true, text: payload, bytes: new TextEncoder().encode(payload).length, truncated: false });
    expect(server.received.filter((frame) => frame.kind === "read-blob")).toEqual([
      { v: 1, kind: "read-blob", id: "blob-1", ref: "io.jsonl#offset=0&length=57", length: 8 * 1024 * 1024 },
    ]);
    // The chunks were the reader's: the view saw hello only.
    expect(view.map((frame) => frame.kind)).toEqual(["hello"]);
  });

  test("a blob larger than the limit shows its start, marked truncated", async () => {
    server = startWireServer({ token: "secret", blobs: { "artifacts/big.md": new TextEncoder().encode("0123456789") }, chunkBytes: 3 });
    const { blobs } = connect(server, 4);
    await until(() => client!.status.state === "connected", 3_000, "connected");
    expect(await blobs.read("artifacts/big.md")).toEqual({ ok: true, text: "0123", bytes: 10, truncated: true });
  });

  test("a ref the core does not hold, and a core without the blobs capability, are said in one line each", async () => {
    server = startWireServer({ token: "secret", blobs: {} });
    const first = connect(server);
    await until(() => client!.status.state === "connected", 3_000, "connected");
    expect(await first.blobs.read("io.jsonl#offset=5&length=9")).toEqual({
      ok: false,
      message: 'Cannot show io.jsonl#offset=5&length=9: /ref: "io.jsonl#offset=5&length=9" is not a blob of this session (no such file)',
    });
    // The error answered the read: it is not shown as the run's error.
    expect(first.view.some((frame) => frame.kind === "error")).toBe(false);
    client!.close();
    server.stop();
    server = startWireServer({ token: "secret" });
    const second = connect(server);
    await until(() => client!.status.state === "connected", 3_000, "connected");
    expect(await second.blobs.read("artifacts/notes.md")).toEqual({ ok: false, message: "Cannot show artifacts/notes.md: the core does not serve blobs." });
  });

  test("refuses a ref outside the session unsent, and says so when not connected or when the connection drops mid-read", async () => {
    server = startWireServer({ token: "secret", blobs: {} });
    const { blobs } = connect(server);
    await until(() => client!.status.state === "connected", 3_000, "connected");
    expect(await blobs.read("../secrets.txt")).toEqual({ ok: false, message: 'Refusing "../secrets.txt": not a path inside the session.' });
    expect(server.received.some((frame) => frame.kind === "read-blob")).toBe(false);
    // A read in flight when the socket drops: no answer will come for it.
    const reader = createWireBlobReader({ send: () => true });
    const inFlight = reader.read("io.jsonl#offset=0&length=3");
    reader.failAll("the connection to the core was lost");
    expect(await inFlight).toEqual({
      ok: false,
      message: "Cannot show io.jsonl#offset=0&length=3: the connection to the core was lost; try again once the core is back.",
    });
    const offline = createWireBlobReader({ send: () => false });
    expect(await offline.read("io.jsonl#offset=0&length=3")).toEqual({
      ok: false,
      message: "Cannot show io.jsonl#offset=0&length=3: not connected to the core; try again once it is back.",
    });
  });
});
