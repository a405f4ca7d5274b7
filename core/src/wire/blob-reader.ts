/**
 * Reads the blob a row's `ref` names (docs/wire.md, "Reading blobs") from the session directory,
 * for a `read-blob` frame: the ref is checked (a file of this session, nothing outside it), the
 * asked byte range is clamped to the blob, and the bytes come in chunks read one at a time, so a
 * blob of any size takes one chunk of memory.
 */
import { open, realpath, type FileHandle } from "node:fs/promises";
import { isAbsolute, join, relative, sep, win32 } from "node:path";
import { MAX_BLOB_CHUNK_BYTES, parseRef } from "@escapement/wire-schema";

/** What a `read-blob` asks for. */
export interface BlobRequest {
  readonly ref: string;
  readonly offset?: number;
  readonly length?: number;
}

/** Why a read is refused: the error frame's code, path and message. */
export interface BlobRefusal {
  readonly code: "unknown-blob" | "invalid-range";
  readonly path: "/ref" | "/offset";
  readonly message: string;
}

/** A blob ready to read: the bytes `offset .. offset + length` of a blob of `total` bytes. */
export interface OpenBlob {
  readonly total: number;
  readonly offset: number;
  readonly length: number;
  /** The asked bytes in order, at most `chunkBytes` each; one empty chunk when `length` is 0. Throws when the file changed under it. */
  chunks(): AsyncGenerator<Buffer>;
  close(): Promise<void>;
}

export type BlobOpenResult = { ok: true; blob: OpenBlob } | { ok: false; error: BlobRefusal };

const unknown = (ref: string, why: string): { ok: false; error: BlobRefusal } => ({
  ok: false,
  error: { code: "unknown-blob", path: "/ref", message: `/ref: ${JSON.stringify(ref)} is not a blob of this session (${why})` },
});

/** Why a ref's path cannot name a file of the session directory, judged from the text alone. */
export const refPathProblem = (path: string): string | undefined => {
  if (path.length === 0) return "no path";
  if (path.includes("\0")) return "a NUL character";
  // Both conventions: a ref written on one system is read on another.
  if (isAbsolute(path) || win32.isAbsolute(path)) return "an absolute path";
  if (path.split(/[\\/]/).includes("..")) return 'a ".." segment';
  return undefined;
};

/** `child` is `parent` or below it (both real paths). */
const within = (parent: string, child: string): boolean => {
  const rel = relative(parent, child);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
};

const errnoOf = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? "error";

/**
 * Opens the blob `request.ref` names in `sessionDir`, or says why not: a path that is absolute,
 * has a `..` segment, or leads outside the directory through a symlink; a file that is not there
 * or is not a regular file; a range ref past the file's end (`unknown-blob`); an `offset` past the
 * blob's end (`invalid-range`). A `length` past the end is clamped to it.
 */
export async function openBlob(sessionDir: string, request: BlobRequest, chunkBytes: number = MAX_BLOB_CHUNK_BYTES): Promise<BlobOpenResult> {
  const { ref } = request;
  const location = parseRef(ref);
  const problem = refPathProblem(location.path);
  if (problem) return unknown(ref, problem);
  let real: string;
  try {
    real = await realpath(join(sessionDir, location.path));
    // Symlinks are followed, then judged by where they lead.
    if (!within(await realpath(sessionDir), real)) return unknown(ref, "it leads outside the session directory");
  } catch (error) {
    return unknown(ref, errnoOf(error) === "ENOENT" || errnoOf(error) === "ENOTDIR" ? "no such file" : `cannot be resolved: ${errnoOf(error)}`);
  }
  let handle: FileHandle;
  try {
    handle = await open(real, "r");
  } catch (error) {
    return unknown(ref, `cannot be opened: ${errnoOf(error)}`);
  }
  try {
    // The open file is judged, not the path: nothing can swap it between the check and the read.
    const stats = await handle.stat();
    if (!stats.isFile()) return await closing(handle, unknown(ref, stats.isDirectory() ? "a directory" : "not a regular file"));
    const range = location.range;
    if (range && range.offset + range.length > stats.size) {
      return await closing(handle, unknown(ref, `bytes ${range.offset}..${range.offset + range.length} asked, the file has ${stats.size}`));
    }
    const start = range?.offset ?? 0;
    const total = range?.length ?? stats.size;
    const offset = request.offset ?? 0;
    if (offset > total) {
      return await closing(handle, {
        ok: false,
        error: { code: "invalid-range", path: "/offset", message: `/offset: ${offset} is past the end of ${JSON.stringify(ref)} (${total} bytes)` },
      });
    }
    const length = Math.min(request.length ?? total - offset, total - offset);
    return { ok: true, blob: blobOf(handle, { start: start + offset, total, offset, length, chunkBytes }) };
  } catch (error) {
    return closing(handle, unknown(ref, `cannot be read: ${errnoOf(error)}`));
  }
}

const closing = async <T>(handle: FileHandle, result: T): Promise<T> => {
  await handle.close().catch(() => undefined);
  return result;
};

interface Span {
  /** Where the asked bytes start in the file. */
  readonly start: number;
  readonly total: number;
  readonly offset: number;
  readonly length: number;
  readonly chunkBytes: number;
}

const blobOf = (handle: FileHandle, span: Span): OpenBlob => {
  let closed: Promise<void> | undefined;
  return {
    total: span.total,
    offset: span.offset,
    length: span.length,
    chunks: () => readChunks(handle, span),
    close: () => (closed ??= handle.close().catch(() => undefined)),
  };
};

async function* readChunks(handle: FileHandle, span: Span): AsyncGenerator<Buffer> {
  if (span.length === 0) {
    yield Buffer.alloc(0);
    return;
  }
  let done = 0;
  while (done < span.length) {
    // A fresh buffer per chunk: the previous one may still be on its way to the socket.
    const buffer = Buffer.allocUnsafe(Math.min(span.chunkBytes, span.length - done));
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, span.start + done + filled);
      if (bytesRead === 0) {
        throw new Error(`the file ended ${span.length - done - filled} bytes early: it changed while being read`);
      }
      filled += bytesRead;
    }
    done += filled;
    yield buffer;
  }
}
