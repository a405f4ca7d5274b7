/**
 * Blob throughput over loopback: a real wire server answers `read-blob` from a session directory
 * and a real WebSocket client reads the blob as a renderer does (every frame decoded and
 * validated, `data` decoded from base64, the chunks joined), with the server's backpressure and
 * chunking in the way. Time runs from sending `read-blob` to holding the whole blob.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WebSocket } from "ws";
import { MAX_OUTBOUND_FRAME_BYTES, PROTOCOL_MAJOR, PROTOCOL_NAME, PROTOCOL_VERSION, decodeOutbound } from "@escapement/wire-schema";
import { WireHub, WireServer } from "@escapement/core/unstable";

export interface BlobThroughput {
  blobBytes: number;
  /** Wall time of each read, in ms. */
  readsMs: number[];
  /** CPU time (user + system) of this process during each read, in ms: server and client together. */
  cpuMs: number[];
  /** Bytes per second of the median read, in MB/s (10^6 bytes). */
  mbPerSec: number;
  /** The same per second of CPU time, which a loaded machine does not change much. */
  mbPerCpuSec: number;
}

const TOKEN = "bench-token";

/** A server on 127.0.0.1 serving `sessionDir`, with a hub that has seen its run start (hello needs the ids). */
const serve = (sessionDir: string): Promise<WireServer> => {
  const hub = new WireHub();
  hub.ingest([{ seq: 1, ts: Date.now(), event: "runner/started", data: { sessionId: "bench", runId: "bench-run", chartId: "bench", resumed: false } }]);
  return WireServer.start({ hub, token: TOKEN, heartbeatMs: 0, blobs: { sessionDir: () => sessionDir } });
};

/** A renderer: attaches, then reads blobs one at a time. */
const attach = async (url: string) => {
  const ws = new WebSocket(url, { maxPayload: MAX_OUTBOUND_FRAME_BYTES, perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  let onFrame: (text: string) => void = () => undefined;
  ws.on("message", (data) => onFrame(data.toString()));
  const hello = new Promise<void>((resolve) => (onFrame = (text) => text.includes('"kind":"hello"') && resolve()));
  ws.send(JSON.stringify({ v: PROTOCOL_MAJOR, kind: "attach", token: TOKEN, protocol: { name: PROTOCOL_NAME, version: PROTOCOL_VERSION } }));
  await hello;
  let reads = 0;
  const read = (ref: string): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const id = `bench-${++reads}`;
      const parts: Buffer[] = [];
      onFrame = (text) => {
        const decoded = decodeOutbound(text);
        if (!decoded.ok) return reject(new Error(`invalid frame: ${decoded.error.message}`));
        const frame = decoded.frame;
        if (frame.kind === "error" && frame.inReplyTo === id) return reject(new Error(frame.message));
        if (frame.kind !== "blob" || frame.inReplyTo !== id) return;
        parts.push(Buffer.from(frame.data, "base64"));
        if (frame.last) resolve(Buffer.concat(parts));
      };
      ws.send(JSON.stringify({ v: PROTOCOL_MAJOR, kind: "read-blob", id, ref }));
    });
  return { read, close: () => ws.close() };
};

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Reads a `blobBytes` artifact `rounds` times (after one warm-up read) and reports the median. */
export async function measureBlobThroughput(blobBytes: number, rounds: number): Promise<BlobThroughput> {
  const sessionDir = mkdtempSync(join(tmpdir(), "escapement-bench-blob-"));
  const content = randomBytes(blobBytes);
  writeFileSync(join(sessionDir, "blob.bin"), content);
  const server = await serve(sessionDir);
  const renderer = await attach(server.url);
  try {
    const warm = await renderer.read("blob.bin");
    if (!warm.equals(content)) throw new Error("the blob read back differs from the file");
    const readsMs: number[] = [];
    const cpuMs: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const start = performance.now();
      const cpu = process.cpuUsage();
      const bytes = await renderer.read("blob.bin");
      readsMs.push(performance.now() - start);
      const used = process.cpuUsage(cpu);
      cpuMs.push((used.user + used.system) / 1000);
      if (bytes.length !== blobBytes) throw new Error(`read ${bytes.length} bytes of ${blobBytes}`);
    }
    const mb = blobBytes / 1e6;
    return { blobBytes, readsMs, cpuMs, mbPerSec: mb / (median(readsMs) / 1000), mbPerCpuSec: mb / (median(cpuMs) / 1000) };
  } finally {
    renderer.close();
    await server.close();
    rmSync(sessionDir, { recursive: true, force: true });
  }
}
