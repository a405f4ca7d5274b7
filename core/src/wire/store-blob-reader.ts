/**
 * Reads the blob a row's `ref` names from a session kept in a store without directories (memory,
 * Postgres), for a `read-blob` frame: the same checks, refusals, range and chunking as a read from
 * the session directory (blob-reader.ts), the bytes through the store. An io ref's bytes come from
 * `SessionStore.blob` (JSON text: its UTF-8 bytes are the stored ones), an artifact's from
 * `SessionStore.artifact` (it may not be text). A store hands a blob over whole, so it is held in
 * memory while its chunks go out.
 */
import { MAX_BLOB_CHUNK_BYTES, parseRef } from "@escapement/wire-schema";
import type { SessionStore } from "../store/index.js";
import { refPathProblem, type BlobOpenResult, type BlobRefusal, type BlobRequest, type OpenBlob } from "./blob-reader.js";

/** What a read needs of the store. */
export type StoreBlobs = Pick<SessionStore, "blob" | "artifact">;

const unknown = (ref: string, why: string): { ok: false; error: BlobRefusal } => ({
  ok: false,
  error: { code: "unknown-blob", path: "/ref", message: `/ref: ${JSON.stringify(ref)} is not a blob of this session (${why})` },
});

/** `artifacts/<name>` (a top-level artifact: read as bytes), else undefined. */
const artifactName = (path: string): string | undefined => /^artifacts\/([^/\\]+)$/.exec(path)?.[1];

/** The bytes a ref names, or undefined when the session holds no such file. */
async function bytesOf(store: StoreBlobs, key: string, ref: string): Promise<Buffer | undefined> {
  const { path, range } = parseRef(ref);
  const name = artifactName(path);
  if (name === undefined) {
    const text = await store.blob(key, ref);
    return text === undefined ? undefined : Buffer.from(text, "utf8");
  }
  const bytes = await store.artifact(key, name);
  if (bytes === undefined) return undefined;
  const whole = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return range ? whole.subarray(range.offset, range.offset + range.length) : whole;
}

/**
 * Opens the blob `request.ref` names in the store's session `key`, or says why not: a path that is
 * absolute or has a `..` segment, a file the session does not hold, a range ref past the file's end
 * (`unknown-blob`); an `offset` past the blob's end (`invalid-range`). A `length` past the end is
 * clamped to it. A store that cannot be read rejects (the connection answers `internal`).
 */
export async function openStoreBlob(store: StoreBlobs, key: string, request: BlobRequest, chunkBytes: number = MAX_BLOB_CHUNK_BYTES): Promise<BlobOpenResult> {
  const { ref } = request;
  const location = parseRef(ref);
  const problem = refPathProblem(location.path);
  if (problem) return unknown(ref, problem);
  const bytes = await bytesOf(store, key, ref);
  if (bytes === undefined) return unknown(ref, "no such file");
  const range = location.range;
  // A store cuts a range at the file's end: fewer bytes than asked means the range runs past it.
  if (range && bytes.length < range.length) {
    return unknown(ref, `bytes ${range.offset}..${range.offset + range.length} asked, the file ends before byte ${range.offset + range.length}`);
  }
  const total = bytes.length;
  const offset = request.offset ?? 0;
  if (offset > total) {
    return {
      ok: false,
      error: { code: "invalid-range", path: "/offset", message: `/offset: ${offset} is past the end of ${JSON.stringify(ref)} (${total} bytes)` },
    };
  }
  const length = Math.min(request.length ?? total - offset, total - offset);
  return { ok: true, blob: heldBlob(bytes.subarray(offset, offset + length), { total, offset, chunkBytes }) };
}

/** A blob whose asked bytes are in memory already: its chunks are slices of them. */
function heldBlob(asked: Buffer, span: { total: number; offset: number; chunkBytes: number }): OpenBlob {
  return {
    total: span.total,
    offset: span.offset,
    length: asked.length,
    chunks: async function* () {
      if (asked.length === 0) {
        yield Buffer.alloc(0);
        return;
      }
      for (let at = 0; at < asked.length; at += span.chunkBytes) yield asked.subarray(at, Math.min(asked.length, at + span.chunkBytes));
    },
    close: async () => {},
  };
}
