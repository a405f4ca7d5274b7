import { constants } from "node:fs";
import { mkdir, open, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { isErrnoError } from "./fs-error.js";
import { fdPath, procFdWorks, realPathOfOpen, recheckedRealPath } from "./open-file-path.js";

/**
 * A directory held open by a descriptor, so that what is done in it is done in that directory,
 * whatever happens meanwhile to the path it was opened by.
 */
export interface HeldDir {
  /** Its absolute real path when it was opened (symlinks resolved). */
  readonly real: string;
  /**
   * The path to pass to the next fs call for `name` in this directory (no name: the directory
   * itself). Ask for it right before that call: where `/proc/self/fd` is missing, asking re-checks
   * that the directory is still where it was.
   */
  pathOf(name?: string): Promise<string>;
  /** Closes the descriptor; closing twice is harmless. */
  close(): Promise<void>;
}

const directoryFlags = constants.O_RDONLY | constants.O_DIRECTORY;

/** Opens the directory at `path` (symlinks on the way followed) and holds it. */
export const holdDir = async (path: string): Promise<HeldDir> => {
  const handle = await open(path, directoryFlags);
  try {
    return await held(handle, await realPathOfOpen(handle, path));
  } catch (error) {
    await handle.close();
    throw error;
  }
};

/**
 * Opens the directory `name` in `parent` and holds it; a symlink there is refused (ELOOP or
 * ENOTDIR), so what is held is a child of the very directory `parent` holds (on Linux, even if
 * `parent` has been moved since it was opened).
 */
export const holdDirIn = async (parent: HeldDir, name: string): Promise<HeldDir> => {
  const handle = await open(await parent.pathOf(name), directoryFlags | constants.O_NOFOLLOW);
  try {
    return await held(handle, await realPathOfOpen(handle, join(parent.real, name)));
  } catch (error) {
    await handle.close();
    throw error;
  }
};

/**
 * Holds the directory `names` below `dir`, one name at a time and never through a symlink,
 * creating the missing ones when `create` is set. Takes `dir` over: it is closed, and so is the
 * result on failure.
 */
export const descend = async (dir: HeldDir, names: readonly string[], create: boolean): Promise<HeldDir> => {
  let current = dir;
  try {
    for (const name of names) {
      if (create) await mkdir(await current.pathOf(name)).catch(existingIsFine);
      const next = await holdDirIn(current, name);
      await current.close();
      current = next;
    }
    return current;
  } catch (error) {
    await current.close();
    throw error;
  }
};

const existingIsFine = (error: unknown): void => {
  if (!isErrnoError(error) || error.code !== "EEXIST") throw error;
};

const held = async (handle: FileHandle, real: string): Promise<HeldDir> => {
  const close = () => (handle.fd === -1 ? Promise.resolve() : handle.close());
  if (await procFdWorks()) {
    const base = fdPath(handle);
    return { real, pathOf: async (name) => (name === undefined ? base : `${base}/${name}`), close };
  }
  return {
    real,
    pathOf: async (name) => {
      await recheckedRealPath(handle, real);
      return name === undefined ? real : join(real, name);
    },
    close,
  };
};

/**
 * Opens `name` in `dir` for reading, refusing a symlink (ELOOP): `locatePath` has followed the
 * symlinks already, so one here was put there since. Opening a FIFO or a device does not block.
 */
export const openFileIn = async (dir: HeldDir, name: string): Promise<FileHandle> =>
  open(await dir.pathOf(name), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
