import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import type { Socket } from "node:net";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  MAX_BLOB_CHUNK_BYTES,
  MAX_BLOB_READS_PER_CONNECTION,
  parseRef,
  replayFrames,
  type BlobFrame,
  type ErrorFrame,
  type HelloFrame,
  type OutboundFrame,
  type TranscriptRow,
} from "@escapement/wire-schema";
import { WireHub, WireServer } from "../../src/wire/index.js";
import { connect, gaps, isKind, startLiveRun, type Client, type LiveRun } from "./harness.js";
import { until } from "./until.js";

const runs: LiveRun[] = [];
const clients: Client[] = [];
const servers: WireServer[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.ws.terminate();
  for (const run of runs.splice(0)) {
    run.gate.control("quit");
    await run.done;
    await run.server.close();
  }
  for (const server of servers.splice(0)) await server.close();
});

/** A live run serving blobs, with one attached client (hello received). */
const attached = async (options: Parameters<typeof startLiveRun>[0] = {}) => {
  const run = await startLiveRun({ serveBlobs: true, ...options });
  runs.push(run);
  const c = await connect(run.server.url);
  clients.push(c);
  c.attach(run.token);
  await c.waitFor(isKind("hello"));
  mkdirSync(join(run.sessionDir, "artifacts"), { recursive: true });
  return { run, c };
};

const rowsOf = (sessionDir: string): TranscriptRow[] =>
  readFileSync(join(sessionDir, "transcript.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as TranscriptRow);

interface Read {
  chunks: BlobFrame[];
  bytes: Buffer;
  error: ErrorFrame | undefined;
}

const ended = (id: string) => (frame: OutboundFrame) =>
  (frame.kind === "blob" && frame.inReplyTo === id && frame.last) || (frame.kind === "error" && frame.inReplyTo === id);

/** What the client received for read `id`: its chunks in order, their bytes joined, or its error. */
const collected = (c: Client, id: string): Read => {
  const chunks = c.frames.filter(isKind("blob", (frame) => frame.inReplyTo === id)) as BlobFrame[];
  const error = c.frames.find(isKind("error", (frame) => frame.inReplyTo === id)) as ErrorFrame | undefined;
  return { chunks, bytes: Buffer.concat(chunks.map((chunk) => Buffer.from(chunk.data, "base64"))), error };
};

let reads = 0;
/** Sends a read-blob and waits for its last chunk or its error. */
const read = async (c: Client, ref: string, range: { offset?: number; length?: number } = {}): Promise<Read> => {
  const id = `b-${++reads}`;
  c.send({ v: 1, kind: "read-blob", id, ref, ...range });
  await c.waitFor(ended(id), 20_000);
  return collected(c, id);
};

/** Chunks in order, each at most 256 KiB, contiguous from `offset`, only the final one last (none when the read did not end). */
const wellFormed = (chunks: readonly BlobFrame[], offset: number, ended = true): void => {
  let at = offset;
  chunks.forEach((chunk, i) => {
    expect(chunk.offset).toBe(at);
    expect(Buffer.from(chunk.data, "base64").length).toBeLessThanOrEqual(MAX_BLOB_CHUNK_BYTES);
    expect(chunk.last).toBe(ended && i === chunks.length - 1);
    at += Buffer.from(chunk.data, "base64").length;
  });
};

const hello = (c: Client): HelloFrame => c.frames.find(isKind("hello")) as HelloFrame;

/** Stops reading the client's socket: what the core sends piles up in the kernel, then in the core's queue. */
const socketOf = (c: Client): Socket => (c.ws as unknown as { _socket: Socket })._socket;

describe("read-blob: reading a session's blobs", () => {
  it("a whole artifact, with the blobs capability in hello", async () => {
    const { run, c } = await attached();
    expect(hello(c).capabilities).toContain("blobs");
    writeFileSync(join(run.sessionDir, "artifacts", "notes.md"), "# Notes\n\nhello world\n");
    const { chunks, bytes, error } = await read(c, "artifacts/notes.md");
    expect(error).toBeUndefined();
    expect(bytes.toString("utf8")).toBe("# Notes\n\nhello world\n");
    expect(chunks).toEqual([
      {
        v: 1,
        kind: "blob",
        seq: expect.any(Number),
        inReplyTo: `b-${reads}`,
        ref: "artifacts/notes.md",
        offset: 0,
        total: 21,
        data: bytes.toString("base64"),
        last: true,
      },
    ]);
    expect(c.invalid).toEqual([]);
  });

  it("the io.jsonl range a row's ref names: the payload's exact bytes, while the live stream goes on gap-free", async () => {
    const { run, c } = await attached();
    // Answer the prompts as they come; read every response's full payload as its row arrives.
    const answered = new Set<string>();
    const pending: Promise<Read>[] = [];
    const refs: string[] = [];
    const onFrame = (frame: OutboundFrame) => {
      if (frame.kind === "prompt" && !answered.has(frame.prompt.promptId)) {
        answered.add(frame.prompt.promptId);
        const value = frame.prompt.kind === "confirm" ? true : "Ada";
        c.send({ v: 1, kind: "answer", id: `ans-${frame.prompt.promptId}`, promptId: frame.prompt.promptId, value });
      }
      if (frame.kind === "event" && frame.row.event === "llm/response") {
        const ref = (frame.row.data as { ref: string }).ref;
        refs.push(ref);
        pending.push(read(c, ref));
      }
    };
    // The first prompt may have come with hello.
    c.frames.forEach(onFrame);
    c.ws.on("message", (data) => onFrame(JSON.parse(data.toString()) as OutboundFrame));
    await c.waitFor(isKind("run-finished"));
    expect((await run.done).status).toBe("done");
    const results = await Promise.all(pending);
    expect(refs.length).toBe(2);
    const pack = readFileSync(join(run.sessionDir, "io.jsonl"));
    results.forEach((result, i) => {
      const { range } = parseRef(refs[i]!);
      expect(refs[i]).toMatch(/^io\.jsonl#offset=\d+&length=\d+$/);
      expect(result.error).toBeUndefined();
      expect(result.bytes.equals(pack.subarray(range!.offset, range!.offset + range!.length))).toBe(true);
      expect(result.chunks.at(-1)!.total).toBe(range!.length);
      expect(() => JSON.parse(result.bytes.toString("utf8"))).not.toThrow();
    });
    // Blob frames never disturb the stream: gap-free and identical to a replay of the transcript.
    expect(gaps(c.frames)).toEqual([]);
    expect(c.stream()).toEqual([...replayFrames(rowsOf(run.sessionDir))].filter((frame) => frame.kind !== "hello"));
    expect(c.invalid).toEqual([]);
  });

  it("a byte range within a blob, within a range ref, and a length past the end clamped to it", async () => {
    const { run, c } = await attached();
    const text = "0123456789abcdefghij";
    writeFileSync(join(run.sessionDir, "artifacts", "digits.txt"), text);
    const middle = await read(c, "artifacts/digits.txt", { offset: 5, length: 4 });
    expect(middle.bytes.toString()).toBe("5678");
    expect(middle.chunks).toEqual([expect.objectContaining({ offset: 5, total: 20, last: true })]);
    // Offsets count within the blob the ref names, not within its file.
    const inRange = await read(c, "artifacts/digits.txt#offset=10&length=6", { offset: 2, length: 3 });
    expect(inRange.bytes.toString()).toBe("cde");
    expect(inRange.chunks).toEqual([expect.objectContaining({ offset: 2, total: 6, last: true })]);
    const huge = await read(c, "artifacts/digits.txt", { offset: 17, length: Number.MAX_SAFE_INTEGER });
    expect(huge.error).toBeUndefined();
    expect(huge.bytes.toString()).toBe("hij");
    // Reading at the very end reads nothing: one empty last chunk.
    const atEnd = await read(c, "artifacts/digits.txt", { offset: 20 });
    expect(atEnd.chunks).toEqual([expect.objectContaining({ offset: 20, total: 20, data: "", last: true })]);
  });

  it("a blob over 256 KiB comes in ordered chunks that join byte-identical", async () => {
    const { run, c } = await attached();
    const content = randomBytes(4 * MAX_BLOB_CHUNK_BYTES + 12_345);
    writeFileSync(join(run.sessionDir, "artifacts", "big.bin"), content);
    const { chunks, bytes, error } = await read(c, "artifacts/big.bin");
    expect(error).toBeUndefined();
    expect(chunks.length).toBe(5);
    wellFormed(chunks, 0);
    expect(chunks.every((chunk) => chunk.total === content.length)).toBe(true);
    expect(bytes.equals(content)).toBe(true);
    // Paging through the same blob from a chunk boundary.
    const tail = await read(c, "artifacts/big.bin", { offset: 3 * MAX_BLOB_CHUNK_BYTES });
    wellFormed(tail.chunks, 3 * MAX_BLOB_CHUNK_BYTES);
    expect(tail.bytes.equals(content.subarray(3 * MAX_BLOB_CHUNK_BYTES))).toBe(true);
  });

  it("UTF-8 split across a chunk boundary decodes once the bytes are joined", async () => {
    const { run, c } = await attached();
    // The 4-byte emoji starts 2 bytes before the chunk boundary.
    const text = `${"a".repeat(MAX_BLOB_CHUNK_BYTES - 2)}🙂 and after: ünïcödé`;
    writeFileSync(join(run.sessionDir, "artifacts", "emoji.md"), text);
    const { chunks, bytes } = await read(c, "artifacts/emoji.md");
    expect(chunks.length).toBe(2);
    expect(Buffer.from(chunks[0]!.data, "base64").length).toBe(MAX_BLOB_CHUNK_BYTES);
    // Either chunk alone is not valid UTF-8; the joined bytes are the text.
    expect(Buffer.from(chunks[0]!.data, "base64").toString("utf8").endsWith("\uFFFD")).toBe(true);
    expect(bytes.toString("utf8")).toBe(text);
  });
});

describe("read-blob: refused refs, each a clear error with the read's id, the run unharmed", () => {
  it("../, an absolute path, a symlink out, a missing file, a directory, a range past the file, an offset past the end", async () => {
    const { run, c } = await attached();
    const outside = join(dirname(run.sessionDir), "secret.txt");
    writeFileSync(outside, "not for renderers");
    writeFileSync(join(run.sessionDir, "artifacts", "ok.txt"), "fine");
    symlinkSync(outside, join(run.sessionDir, "artifacts", "escape.txt"));
    symlinkSync(dirname(run.sessionDir), join(run.sessionDir, "artifacts", "up"));
    // A symlink that stays inside the session is a blob of the session.
    symlinkSync(join(run.sessionDir, "artifacts", "ok.txt"), join(run.sessionDir, "artifacts", "alias.txt"));
    expect((await read(c, "artifacts/alias.txt")).bytes.toString()).toBe("fine");

    const refused: [string, { offset?: number; length?: number }, string, string, RegExp][] = [
      ["../secret.txt", {}, "unknown-blob", "/ref", /"\.\." segment/],
      ["artifacts/../../secret.txt", {}, "unknown-blob", "/ref", /"\.\." segment/],
      ["artifacts\\..\\..\\secret.txt", {}, "unknown-blob", "/ref", /"\.\." segment/],
      [outside, {}, "unknown-blob", "/ref", /absolute path/],
      [join(run.sessionDir, "artifacts", "ok.txt"), {}, "unknown-blob", "/ref", /absolute path/],
      ["C:\\Windows\\win.ini", {}, "unknown-blob", "/ref", /absolute path/],
      ["artifacts/escape.txt", {}, "unknown-blob", "/ref", /outside the session directory/],
      ["artifacts/up/secret.txt", {}, "unknown-blob", "/ref", /outside the session directory/],
      ["artifacts/missing.md", {}, "unknown-blob", "/ref", /no such file/],
      ["artifacts/ok.txt/deeper", {}, "unknown-blob", "/ref", /no such file/],
      ["artifacts", {}, "unknown-blob", "/ref", /a directory/],
      ["artifacts/ok.txt#offset=2&length=3", {}, "unknown-blob", "/ref", /bytes 2\.\.5 asked, the file has 4/],
      ["artifacts/ok.txt", { offset: 5 }, "invalid-range", "/offset", /^\/offset: 5 is past the end of "artifacts\/ok.txt" \(4 bytes\)$/],
    ];
    for (const [ref, range, code, path, message] of refused) {
      const { chunks, error } = await read(c, ref, range);
      expect(chunks, ref).toEqual([]);
      expect(error, ref).toMatchObject({ kind: "error", code, path, fatal: false, inReplyTo: `b-${reads}` });
      expect(error!.message, ref).toMatch(message);
      expect(error!.message).not.toContain("\n");
    }
    expect(c.frames.some((frame) => frame.kind === "blob" && Buffer.from(frame.data, "base64").toString().includes("not for renderers"))).toBe(false);
    // The connection and the run carry on.
    expect(c.ws.readyState).toBe(c.ws.OPEN);
    expect(run.human.openPrompts).toEqual(["name"]);
    expect((await read(c, "artifacts/ok.txt")).bytes.toString()).toBe("fine");
    expect(c.invalid).toEqual([]);
  });

  it("1000 reads in flight: the first 8 answered in full, 992 refused with too-many-reads, then the run finishes normally", async () => {
    const { run, c } = await attached();
    // 8 reads of 8 MiB cannot fit in the socket buffers: they stay in progress while the client does not read.
    const big = join(run.sessionDir, "artifacts", "zeros.bin");
    writeFileSync(big, "");
    truncateSync(big, 8 * 1024 * 1024);
    const socket = socketOf(c);
    socket.pause();
    const ask = (from: number, to: number) => {
      for (let i = from; i < to; i++) c.send({ v: 1, kind: "read-blob", id: `many-${i}`, ref: "artifacts/zeros.bin" });
    };
    ask(0, 100);
    // Once the core waits for the client, every read it took is still in progress; the rest come now.
    await until(() => run.server.connections[0]!.queued > 0, "the reads waiting for the client");
    ask(100, 1000);
    // Their refusals queue behind the waiting chunks.
    await until(() => run.server.connections[0]!.queued >= 900, "the refusals queued");
    socket.resume();
    const over = (frame: OutboundFrame) => (frame.kind === "blob" && frame.last) || (frame.kind === "error" && frame.inReplyTo?.startsWith("many-"));
    await until(() => c.frames.filter(over).length >= 1000, "every read answered", 60_000);
    const outcomes = Array.from({ length: 1000 }, (_, i) => collected(c, `many-${i}`));
    const answered = outcomes.filter((outcome) => outcome.error === undefined);
    const refused = outcomes.filter((outcome) => outcome.error !== undefined);
    expect(outcomes.flatMap((outcome, i) => (outcome.error ? [] : [i]))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (const outcome of answered) {
      wellFormed(outcome.chunks, 0);
      expect(outcome.bytes.length).toBe(8 * 1024 * 1024);
    }
    expect(refused.length).toBe(1000 - MAX_BLOB_READS_PER_CONNECTION);
    for (const outcome of refused) {
      expect(outcome.chunks).toEqual([]);
      expect(outcome.error).toMatchObject({ code: "too-many-reads", fatal: false });
      expect(outcome.error!.message).toMatch(/8 reads of this connection are still being answered/);
    }
    // The ended reads freed their slots.
    expect((await read(c, "artifacts/zeros.bin", { offset: 8 * 1024 * 1024 - 3 })).bytes.length).toBe(3);
    // The run was never touched: answer its prompts, it finishes, the stream is whole.
    c.send({ v: 1, kind: "answer", id: "ans-1", promptId: "name", value: "Ada" });
    await c.waitFor(isKind("prompt", (frame) => frame.prompt.promptId === "approve"));
    c.send({ v: 1, kind: "answer", id: "ans-2", promptId: "approve", value: true });
    await c.waitFor(isKind("run-finished"));
    expect((await run.done).status).toBe("done");
    expect(gaps(c.frames)).toEqual([]);
    expect(c.invalid).toEqual([]);
  });

  it("a file cut short while it is read: the chunks sent so far, then an error with the read's id", async () => {
    const { run, c } = await attached();
    // Larger than every socket buffer between the two ends, so the read waits for the client.
    const big = join(run.sessionDir, "artifacts", "shrinking.bin");
    writeFileSync(big, "");
    truncateSync(big, 48 * 1024 * 1024);
    const socket = socketOf(c);
    socket.pause();
    c.send({ v: 1, kind: "read-blob", id: "cut", ref: "artifacts/shrinking.bin" });
    await until(() => run.server.connections[0]!.queued > 0, "the read waiting for the client");
    truncateSync(big, 0);
    socket.resume();
    await c.waitFor(ended("cut"), 60_000);
    const { chunks, bytes, error } = collected(c, "cut");
    expect(chunks.length).toBeGreaterThan(0);
    wellFormed(chunks, 0, false);
    expect(bytes.every((byte) => byte === 0)).toBe(true);
    expect(error).toMatchObject({ code: "unknown-blob", path: "/ref", fatal: false, inReplyTo: "cut" });
    expect(error!.message).toMatch(new RegExp(`stopped at byte ${bytes.length} of ${48 * 1024 * 1024}: .*changed while being read`));
    expect(c.ws.readyState).toBe(c.ws.OPEN);
    expect(run.human.openPrompts).toEqual(["name"]);
  });
});

describe("read-blob: where blobs are not served", () => {
  const serve = async (options: Partial<Parameters<typeof WireServer.start>[0]>) => {
    const hub = new WireHub();
    hub.ingest([{ seq: 1, ts: 1, event: "runner/started", data: { sessionId: "s-1", runId: "r-1", chartId: "c", resumed: false } }]);
    const server = await WireServer.start({ hub, token: "t", heartbeatMs: 0, ...options });
    servers.push(server);
    const c = await connect(server.url);
    clients.push(c);
    c.attach("t");
    await c.waitFor(isKind("hello"));
    return c;
  };

  it("without the blobs capability: not-supported", async () => {
    const c = await serve({});
    expect(hello(c).capabilities).not.toContain("blobs");
    const { error } = await read(c, "io.jsonl");
    expect(error).toMatchObject({ code: "not-supported", path: "/kind", fatal: false });
  });

  it("before the run has a session directory: unknown-blob", async () => {
    const c = await serve({ blobs: { sessionDir: () => undefined } });
    expect(hello(c).capabilities).toContain("blobs");
    const { error } = await read(c, "io.jsonl");
    expect(error).toMatchObject({ code: "unknown-blob", path: "/ref", fatal: false, message: '/ref: "io.jsonl": the run has no session directory yet' });
  });
});
