/**
 * Answers one `read-blob` frame: `blob` chunks in order, or an error with the read's id. The next
 * chunk is read only once the connection has sent what it had queued, so a slow renderer holds
 * back the read instead of the core buffering the blob (a store's blob, held whole, is sliced).
 */
import { PROTOCOL_MAJOR, type BlobFrame, type ReadBlobFrame } from "@escapement/wire-schema";
import { openBlob, type BlobOpenResult, type BlobRefusal, type BlobRequest } from "./blob-reader.js";
import { openStoreBlob, type StoreBlobs } from "./store-blob-reader.js";

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

/**
 * Where `read-blob` frames are read from: the session directory, or a session of a store without
 * directories (memory, Postgres) by its key. Either is undefined until the run created its session.
 */
export type BlobSource = { sessionDir: () => string | undefined } | { store: StoreBlobs; key: () => string | undefined };

/** The blob source of a session kept in `store` under `key` (undefined until it exists). */
export const storeBlobs = (store: StoreBlobs, key: () => string | undefined): BlobSource => ({ store, key });

/** Opens what `request` names in `source`; undefined when the source has no session yet. */
export function openFrom(source: BlobSource, request: BlobRequest): Promise<BlobOpenResult> | undefined {
  if ("sessionDir" in source) {
    const dir = source.sessionDir();
    return dir === undefined ? undefined : openBlob(dir, request);
  }
  const key = source.key();
  return key === undefined ? undefined : openStoreBlob(source.store, key, request);
}

/** Serves `frame` from `source` (which has nothing to read before the run created its session). */
export async function serveBlob(source: BlobSource, frame: ReadBlobFrame, sink: BlobSink): Promise<void> {
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
    const opening = openFrom(source, frame);
    if (opening === undefined) {
      const what = "sessionDir" in source ? "session directory" : "session";
      refuse({ code: "unknown-blob", path: "/ref", message: `/ref: ${JSON.stringify(frame.ref)}: the run has no ${what} yet` });
      return;
    }
    const opened = await opening;
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
