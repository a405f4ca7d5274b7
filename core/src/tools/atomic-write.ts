import { randomBytes } from "node:crypto";
import { open, realpath, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * Replaces `path` with `data` so that readers see either the old or the new content, never
 * a partial file: write a sibling temp file, fsync it, rename it over the target.
 * Keeps the permission bits of an existing file and writes through symlinks.
 */
export const atomicWrite = async (path: string, data: string | Uint8Array): Promise<void> => {
  const target = await realpathOrSelf(path);
  const mode = await existingMode(target);
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const handle = await open(temp, "wx", mode ?? 0o666);
    try {
      await handle.writeFile(data);
      // The umask may have narrowed the mode passed to open().
      if (mode !== undefined) await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
};

const realpathOrSelf = async (path: string): Promise<string> => {
  try {
    return await realpath(path);
  } catch {
    return path;
  }
};

const existingMode = async (path: string): Promise<number | undefined> => {
  try {
    const stats = await stat(path);
    return stats.isFile() ? stats.mode & 0o7777 : undefined;
  } catch {
    return undefined;
  }
};
