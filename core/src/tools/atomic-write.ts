import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import type { HeldDir } from "./held-dir.js";

/** Longest part of the target's name kept in its temp file's name, so that the temp name fits NAME_MAX (255 bytes). */
const maxNameBytesInTemp = 200;

/**
 * Replaces `name` in `dir` with `data` so that readers see either the old or the new content,
 * never a partial file: write a sibling temp file, fsync it, rename it over the target. All of it
 * happens in the held directory, so a path component swapped meanwhile changes nothing; a symlink
 * put at `name` meanwhile is replaced, not written through. `mode` (an existing file's permission
 * bits) is kept; otherwise the umask decides.
 */
export const atomicWrite = async (dir: HeldDir, name: string, data: string | Uint8Array, mode?: number): Promise<void> => {
  const temp = `.${truncateUtf8(name, maxNameBytesInTemp)}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    // "wx" is O_CREAT | O_EXCL: fails on anything already there, a symlink included.
    const handle = await open(await dir.pathOf(temp), "wx", mode ?? 0o666);
    try {
      await handle.writeFile(data);
      // The umask may have narrowed the mode passed to open().
      if (mode !== undefined) await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(await dir.pathOf(temp), await dir.pathOf(name));
  } catch (error) {
    await dir
      .pathOf(temp)
      .then((path) => rm(path, { force: true }))
      .catch(() => undefined);
    throw error;
  }
};

/** `text` cut to at most `maxBytes` UTF-8 bytes, at a character boundary. */
const truncateUtf8 = (text: string, maxBytes: number): string => {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    bytes += Buffer.byteLength(char);
    if (bytes > maxBytes) break;
    end += char.length;
  }
  return text.slice(0, end);
};
