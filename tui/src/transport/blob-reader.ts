/**
 * Reads the session's io blobs and artifacts for drill-in. Rows carry `ref`, a path relative to
 * the session directory (never absolute, never ".."), maybe naming a byte range of that file
 * (`parseRef`); anything else is refused, not read.
 */
import { open } from "node:fs/promises";
import { parseRef } from "@escapement/wire-schema";
import { isAbsolute, join, normalize, sep } from "node:path";

/** Bytes of one blob read at most; a larger file shows its start. */
export const BLOB_BYTES_MAX = 8 * 1024 * 1024;

export type BlobResult =
  { readonly ok: true; readonly text: string; readonly bytes: number; readonly truncated: boolean } | { readonly ok: false; readonly message: string };

export interface BlobReader {
  /** The session directory blobs are read from, when known. */
  readonly sessionDir?: string;
  read(ref: string): Promise<BlobResult>;
}

/** Whether `ref` stays inside the session directory. */
export const isSafeRef = (ref: string): boolean => {
  if (ref === "" || ref.includes("\0") || isAbsolute(ref) || /^[A-Za-z]:/.test(ref)) return false;
  const parts = ref.split(/[\\/]+/);
  return !parts.includes("..") && !normalize(ref).startsWith(`..${sep}`);
};

const errnoCode = (error: unknown): string | undefined => (error as NodeJS.ErrnoException | undefined)?.code;

export const createBlobReader = (sessionDir: string | undefined, options: { maxBytes?: number } = {}): BlobReader => {
  const maxBytes = options.maxBytes ?? BLOB_BYTES_MAX;
  return {
    ...(sessionDir === undefined ? {} : { sessionDir }),
    async read(ref) {
      if (sessionDir === undefined) {
        return { ok: false, message: `Cannot show ${ref}: no session directory. Start the TUI with --session-dir <dir>.` };
      }
      const { path: file, range } = parseRef(ref);
      if (!isSafeRef(file)) return { ok: false, message: `Refusing ${JSON.stringify(ref)}: not a path inside the session directory.` };
      const path = join(sessionDir, file);
      let handle: Awaited<ReturnType<typeof open>> | undefined;
      try {
        handle = await open(path, "r");
        // A range ref names bytes of a packed file (the session's io.jsonl); a plain ref the whole file.
        const start = range?.offset ?? 0;
        const size = range ? range.length : (await handle.stat()).size;
        const length = Math.min(size, maxBytes);
        const buffer = Buffer.alloc(length);
        let read = 0;
        while (read < length) {
          const { bytesRead } = await handle.read(buffer, read, length - read, start + read);
          if (bytesRead === 0) break;
          read += bytesRead;
        }
        return { ok: true, text: buffer.subarray(0, read).toString("utf8"), bytes: size, truncated: size > maxBytes };
      } catch (error) {
        const code = errnoCode(error);
        if (code === "ENOENT") return { ok: false, message: `Blob missing: ${ref} is not in ${sessionDir}.` };
        if (code === "EISDIR") return { ok: false, message: `Cannot show ${ref}: it is a directory.` };
        return { ok: false, message: `Cannot read ${ref}: ${error instanceof Error ? error.message : String(error)}` };
      } finally {
        await handle?.close();
      }
    },
  };
};
