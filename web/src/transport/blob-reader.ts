/**
 * Reads blobs over the wire (`read-blob`, answered by `blob` chunks or an `error` with the read's
 * id): collects the chunks of each read in order, joins the bytes and decodes UTF-8 once, since a
 * chunk may end inside a character.
 */
import type { BlobFrame, ErrorFrame } from "@escapement/wire-schema";

interface PendingRead {
  readonly chunks: Uint8Array[];
  readonly resolve: (text: string) => void;
  readonly reject: (error: Error) => void;
}

export interface BlobReaderOptions {
  /** Sends a frame; false when not connected. */
  readonly send: (frame: Record<string, unknown>) => boolean;
  readonly nextId: () => string;
}

const decodeBase64 = (data: string): Uint8Array => {
  const binary = atob(data);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
};

export class BlobReader {
  readonly #o: BlobReaderOptions;
  readonly #pending = new Map<string, PendingRead>();

  constructor(options: BlobReaderOptions) {
    this.#o = options;
  }

  read(ref: string): Promise<string> {
    const id = this.#o.nextId();
    return new Promise((resolve, reject) => {
      if (!this.#o.send({ kind: "read-blob", id, ref })) return reject(new Error("not connected; try again once the page has reconnected"));
      this.#pending.set(id, { chunks: [], resolve, reject });
    });
  }

  /** True when the frame answered a read of this reader (and was taken). */
  take(frame: BlobFrame | ErrorFrame): boolean {
    const id = frame.inReplyTo;
    const read = id === undefined ? undefined : this.#pending.get(id);
    if (!read || id === undefined) return false;
    if (frame.kind === "error") {
      this.#pending.delete(id);
      read.reject(new Error(`${frame.code}: ${frame.message}`));
      return true;
    }
    read.chunks.push(decodeBase64(frame.data));
    if (frame.last) {
      this.#pending.delete(id);
      const size = read.chunks.reduce((n, c) => n + c.length, 0);
      const joined = new Uint8Array(size);
      let at = 0;
      for (const chunk of read.chunks) {
        joined.set(chunk, at);
        at += chunk.length;
      }
      read.resolve(new TextDecoder("utf-8").decode(joined));
    }
    return true;
  }

  /** The connection dropped: reads in flight will get no answer. */
  failAll(reason: string): void {
    for (const [id, read] of this.#pending) {
      this.#pending.delete(id);
      read.reject(new Error(reason));
    }
  }
}
