/**
 * Answers one `read-blob` frame: `blob` chunks in order, or an error with the read's id. The next
 * chunk is read from disk only once the connection has sent what it had queued, so a slow
 * renderer holds back the read instead of the core buffering the blob.
 */
import { PROTOCOL_MAJOR, type BlobFrame, type ReadBlobFrame } from "@escapement/wire-schema";
import { openBlob, type BlobRefusal } from "./blob-reader.js";

/** A `blob` frame before the connection stamps its watermark. */
export type BlobChunk = Omit<BlobFrame, "v" | "kind" | "seq">;

export const blobFrame = (watermark: number, chunk: BlobChunk): BlobFrame => ({ v: PROTOCOL_MAJOR, kind: "blob", seq: watermark, ...chunk });

/** What a read needs from its connection. */
export interface BlobSink {
  /** Queues a chunk. */
  send(chunk: BlobChunk): void;
  /** Queues the error that ends the read (not fatal; the connection adds `inReplyTo`). */
  refuse(error: BlobRefusal): void;
  /** Resolves once the connection's queue is empty (or it closed). */
  drained(): Promise<void>;
  /** False once the connection closed: the read stops. */
  open(): boolean;
  /** The read is over: called once, before its last frame is queued, so a renderer that saw it may read again at once. */
  release(): void;
}

/** Serves `frame` from `sessionDir` (undefined before the run created its session: nothing to read yet). */
export async function serveBlob(sessionDir: string | undefined, frame: ReadBlobFrame, sink: BlobSink): Promise<void> {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    sink.release();
  };
  const refuse = (error: BlobRefusal) => {
    release();
    if (sink.open()) sink.refuse(error);
  };
  try {
    if (sessionDir === undefined) {
      refuse({ code: "unknown-blob", path: "/ref", message: `/ref: ${JSON.stringify(frame.ref)}: the run has no session directory yet` });
      return;
    }
    const opened = await openBlob(sessionDir, frame);
    if (!opened.ok) return refuse(opened.error);
    const blob = opened.blob;
    const end = blob.offset + blob.length;
    let offset = blob.offset;
    try {
      for await (const bytes of blob.chunks()) {
        if (!sink.open()) return;
        const last = offset + bytes.length >= end;
        if (last) release();
        sink.send({ inReplyTo: frame.id, ref: frame.ref, offset, total: blob.total, data: bytes.toString("base64"), last });
        offset += bytes.length;
        if (!last) await sink.drained();
      }
    } catch (error) {
      // The chunks sent so far stay valid; the error tells the renderer the rest will not come.
      refuse({
        code: "unknown-blob",
        path: "/ref",
        message: `/ref: reading ${JSON.stringify(frame.ref)} stopped at byte ${offset} of ${blob.total}: ${(error as Error).message}`,
      });
    } finally {
      await blob.close();
    }
  } finally {
    release();
  }
}
