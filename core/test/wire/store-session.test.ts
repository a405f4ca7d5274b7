/**
 * A run whose session is kept in a store without directories (here the memory store), served on
 * the wire as the CLI serves it: blobs are read through the store, and a renderer resuming from far
 * back gets the frames it missed re-created from the store's rows; a resumed session's earlier rows
 * are numbered from the store before the new ones.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseRef, replayFrames, type OutboundFrame, type StreamFrame, type TranscriptRow } from "@escapement/wire-schema";
import { DebugGate } from "../../src/debug/index.js";
import { runChart, type RunResult } from "../../src/engine/index.js";
import { scriptedModel } from "../../src/llm/index.js";
import { sequentialIds } from "../../src/runtime/index.js";
import { memoryStore, type SessionStore } from "../../src/store/index.js";
import { storeBlobs, WireHub, WireHuman, WireServer } from "../../src/wire/index.js";
import { tempDir } from "../chart/helpers.js";
import { connect, gaps, isKind, wireChart, wireScript, type Client } from "./harness.js";

const servers: WireServer[] = [];
const clients: Client[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.ws.terminate();
  for (const server of servers.splice(0)) await server.close();
});

const answers: Record<string, unknown> = { name: "Ada", approve: true };

/** Answers every prompt the client sees, as a renderer's user would. */
const answering = (c: Client): void => {
  const answered = new Set<string>();
  const onFrame = (frame: OutboundFrame) => {
    if (frame.kind !== "prompt" || answered.has(frame.prompt.promptId)) return;
    answered.add(frame.prompt.promptId);
    c.send({ v: 1, kind: "answer", promptId: frame.prompt.promptId, value: answers[frame.prompt.promptId] });
  };
  c.frames.forEach(onFrame);
  c.ws.on("message", (data) => onFrame(JSON.parse(data.toString()) as OutboundFrame));
};

/**
 * `wireChart` run into the memory store with a wire server wired as `escapement run --store memory
 * --listen` wires it: the hub's earlier rows and the blobs come from the store. A window of one
 * frame: a renderer resuming from anything but the last frame is served from the store.
 */
async function storeRun(): Promise<{ store: SessionStore; key: () => string; server: WireServer; token: string; done: Promise<RunResult> }> {
  const store = memoryStore();
  let key: string | undefined;
  const hub = new WireHub({ windowFrames: 1 });
  const human = new WireHuman();
  const token = "store-token";
  const server = await WireServer.start({ hub, human, gate: new DebugGate(), token, heartbeatMs: 1000, blobs: storeBlobs(store, () => key) });
  servers.push(server);
  const done = runChart({
    chart: wireChart,
    model: scriptedModel(wireScript(5)),
    human,
    debug: new DebugGate(),
    store,
    ids: sequentialIds(),
    taps: [hub.ingest],
    onStart: (info) => {
      key = info.sessionId;
      hub.rows = () => store.rows(info.sessionId);
    },
  }).then((result) => {
    human.close();
    return result;
  });
  return { store, key: () => key!, server, token, done };
}

/** The store's session written out as a directory (what `export` carries), served from there by a second server. */
async function servedFromDisk(store: SessionStore, key: string): Promise<Client> {
  const dir = join(tempDir("escapement-store-session-"), "session");
  for await (const file of store.files(key)) {
    mkdirSync(dirname(join(dir, file.path)), { recursive: true });
    writeFileSync(join(dir, file.path), file.bytes);
  }
  const hub = new WireHub({ transcriptPath: join(dir, "transcript.jsonl") });
  hub.ingest(await rowsOf(store, key));
  const server = await WireServer.start({ hub, token: "disk-token", heartbeatMs: 1000, blobs: { sessionDir: () => dir } });
  servers.push(server);
  const c = await connect(server.url);
  clients.push(c);
  c.attach("disk-token");
  await c.waitFor(isKind("hello"));
  return c;
}

let reads = 0;
const readBlob = async (c: Client, ref: string): Promise<Buffer> => {
  const id = `r-${++reads}`;
  c.send({ v: 1, kind: "read-blob", id, ref });
  await c.waitFor((frame) => (frame.kind === "blob" && frame.inReplyTo === id && frame.last) || (frame.kind === "error" && frame.inReplyTo === id));
  const error = c.frames.find(isKind("error", (frame) => frame.inReplyTo === id));
  expect(error).toBeUndefined();
  const chunks = c.frames.filter(isKind("blob", (frame) => frame.inReplyTo === id)) as Extract<OutboundFrame, { kind: "blob" }>[];
  return Buffer.concat(chunks.map((chunk) => Buffer.from(chunk.data, "base64")));
};

const rowsOf = async (store: SessionStore, key: string): Promise<TranscriptRow[]> => {
  const rows: TranscriptRow[] = [];
  for await (const row of store.rows(key)) rows.push(row);
  return rows;
};

describe("a session kept in a store, on the wire", () => {
  it("read-blob of a response's io ref gives the bytes the session holds on disk; a ref outside the session is refused", async () => {
    const run = await storeRun();
    const c = await connect(run.server.url);
    clients.push(c);
    c.attach(run.token);
    answering(c);
    const response = await c.waitFor<Extract<OutboundFrame, { kind: "event" }>>(isKind("event", (frame) => frame.row.event === "llm/response"));
    const ref = (response.row.data as { ref: string }).ref;
    expect(ref).toMatch(/^io\.jsonl#offset=\d+&length=\d+$/);
    const bytes = await readBlob(c, ref);
    await c.waitFor(isKind("run-finished"));
    expect((await run.done).status).toBe("done");

    // The same session on disk: the same bytes, whether read over the wire or from the file.
    const disk = await servedFromDisk(run.store, run.key());
    expect((await readBlob(disk, ref)).equals(bytes)).toBe(true);
    const { range } = parseRef(ref);
    expect(bytes.length).toBe(range!.length);
    expect(JSON.parse(bytes.toString("utf8"))).toMatchObject({ content: [{ type: "text", text: "Thinking about it." }, expect.anything()] });

    c.send({ v: 1, kind: "read-blob", id: "outside", ref: "../other/io.jsonl" });
    expect(await c.waitFor(isKind("error", (frame) => frame.inReplyTo === "outside"))).toMatchObject({ code: "unknown-blob", path: "/ref", fatal: false });
    c.send({ v: 1, kind: "read-blob", id: "missing", ref: "artifacts/nothing" });
    expect(await c.waitFor(isKind("error", (frame) => frame.inReplyTo === "missing"))).toMatchObject({
      code: "unknown-blob",
      message: '/ref: "artifacts/nothing" is not a blob of this session (no such file)',
    });
    c.send({ v: 1, kind: "read-blob", id: "past", ref: ref, offset: range!.length + 1 });
    expect(await c.waitFor(isKind("error", (frame) => frame.inReplyTo === "past"))).toMatchObject({ code: "invalid-range", path: "/offset" });
  });

  it("a renderer reconnecting with since gets the frames it missed, re-created from the store's rows, gap-free", async () => {
    const run = await storeRun();
    const first = await connect(run.server.url);
    clients.push(first);
    first.attach(run.token);
    answering(first);
    await first.waitFor(isKind("run-finished"));
    expect((await run.done).status).toBe("done");
    const all = first.stream();
    expect(all.length).toBeGreaterThan(10);
    const since = 3;
    const again = await connect(run.server.url);
    clients.push(again);
    again.attach(run.token, since);
    await again.waitFor(isKind("run-finished"));
    // The window holds one frame: these came from the store, not a snapshot.
    expect(again.frames.some(isKind("snapshot"))).toBe(false);
    expect(gaps(again.frames, since)).toEqual([]);
    expect(again.stream()).toEqual(all.filter((frame) => frame.seq > since));
    expect(again.stream()).toEqual(
      [...replayFrames(await rowsOf(run.store, run.key()))].filter((frame): frame is StreamFrame => frame.kind !== "hello" && frame.seq > since),
    );
  });

  it("a resumed session's earlier rows are numbered from the store first, then the rows that waited for them", async () => {
    const run = await storeRun();
    const c = await connect(run.server.url);
    clients.push(c);
    c.attach(run.token);
    answering(c);
    expect((await run.done).status).toBe("done");
    const rows = await rowsOf(run.store, run.key());
    // A hub that sees only the rows after the 5th, as the hub of a run resuming the session does.
    const hub = new WireHub({ rows: () => run.store.rows(run.key()) });
    const seen: StreamFrame[] = [];
    hub.subscribe((frames) => seen.push(...frames));
    hub.ingest(rows.slice(5, 8));
    hub.ingest(rows.slice(8));
    await expect.poll(() => hub.ended, { timeout: 5_000 }).toBe(true);
    const expected = [...replayFrames(rows)].filter((frame): frame is StreamFrame => frame.kind !== "hello");
    expect(seen).toEqual(expected);
    expect(hub.run).toMatchObject({ sessionId: run.key() });
  });
});
