/**
 * Reads blobs over the wire, for a live session the TUI has no directory of (one kept in a store,
 * or a core on another machine): a `read-blob` per drill-in, answered by `blob` chunks (joined, then
 * decoded as UTF-8 once: a chunk may end inside a character) or by an `error` with the read's id.
 * At most `maxBytes` of a blob are asked for; a larger one shows its start, as from disk.
 */
import { parseRef, type BlobFrame, type ErrorFrame, type OutboundFrame, type ReadBlobFrame } from "@escapement/wire-schema";
import { BLOB_BYTES_MAX, isSafeRef, type BlobReader, type BlobResult } from "./blob-reader.ts";

export interface WireBlobReader extends BlobReader {
  /** A frame from the core: true when it answered one of this reader's reads (it is not for the view then). */
  take(frame: OutboundFrame): boolean;
  /** The connection dropped: reads in flight get no answer, each says so. */
  failAll(reason: string): void;
}

export interface WireBlobReaderOptions {
  /** Sends a frame; false when not connected. */
  readonly send: (frame: ReadBlobFrame) => boolean;
  readonly maxBytes?: number;
}

interface PendingRead {
  readonly ref: string;
  readonly chunks: Uint8Array[];
  readonly resolve: (result: BlobResult) => void;
}

const joined = (chunks: readonly Uint8Array[]): Uint8Array => {
  const bytes = new Uint8Array(chunks.reduce((size, chunk) => size + chunk.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
};

/** Why the core refused a read, as the pager shows it. */
const refusal = (ref: string, frame: ErrorFrame): string =>
  frame.code === "not-supported" ? `Cannot show ${ref}: the core does not serve blobs.` : `Cannot show ${ref}: ${frame.message}`;

export const createWireBlobReader = (options: WireBlobReaderOptions): WireBlobReader => {
  const maxBytes = options.maxBytes ?? BLOB_BYTES_MAX;
  const pending = new Map<string, PendingRead>();
  let reads = 0;

  const answer = (id: string, frame: BlobFrame | ErrorFrame): void => {
    const read = pending.get(id)!;
    if (frame.kind === "error") {
      pending.delete(id);
      read.resolve({ ok: false, message: refusal(read.ref, frame) });
      return;
    }
    read.chunks.push(Uint8Array.from(Buffer.from(frame.data, "base64")));
    if (!frame.last) return;
    pending.delete(id);
    const bytes = joined(read.chunks);
    read.resolve({ ok: true, text: new TextDecoder("utf-8").decode(bytes), bytes: frame.total, truncated: frame.total > bytes.length });
  };

  return {
    read(ref) {
      if (!isSafeRef(parseRef(ref).path)) return Promise.resolve({ ok: false, message: `Refusing ${JSON.stringify(ref)}: not a path inside the session.` });
      const id = `blob-${++reads}`;
      return new Promise<BlobResult>((resolve) => {
        if (!options.send({ v: 1, kind: "read-blob", id, ref, length: maxBytes })) {
          resolve({ ok: false, message: `Cannot show ${ref}: not connected to the core; try again once it is back.` });
          return;
        }
        pending.set(id, { ref, chunks: [], resolve });
      });
    },
    take(frame) {
      if (frame.kind !== "blob" && frame.kind !== "error") return false;
      const id = frame.inReplyTo;
      if (id === undefined || !pending.has(id)) return false;
      answer(id, frame);
      return true;
    },
    failAll(reason) {
      for (const [id, read] of pending) {
        pending.delete(id);
        read.resolve({ ok: false, message: `Cannot show ${read.ref}: ${reason}; try again once the core is back.` });
      }
    },
  };
};
