/**
 * The real path of a file or directory the process holds open. Node has no openat(2), but on
 * Linux `/proc/self/fd/<fd>` names exactly what the descriptor has open: reading that link gives
 * its real path, and a path through it (`/proc/self/fd/<dirfd>/<name>`) is looked up in that very
 * directory, whatever has happened since to the path it was opened by.
 */
import { constants } from "node:fs";
import { open, readlink, realpath, stat, type FileHandle } from "node:fs/promises";
import { pathChangedError } from "./fs-error.js";

let procFd: Promise<boolean> | undefined;

/** Whether `/proc/self/fd/<fd>` names what a descriptor has open (Linux); probed once. */
export const procFdWorks = (): Promise<boolean> => (procFd ??= probeProcFd());

const probeProcFd = async (): Promise<boolean> => {
  try {
    const handle = await open("/", constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      const [held, named] = await Promise.all([handle.stat(), stat(fdPath(handle))]);
      return held.ino === named.ino && held.dev === named.dev && (await readlink(fdPath(handle))) === "/";
    } finally {
      await handle.close();
    }
  } catch {
    return false;
  }
};

/** `/proc/self/fd/<fd>`: a path to exactly what `handle` has open (where `procFdWorks`). */
export const fdPath = (handle: FileHandle): string => `/proc/self/fd/${handle.fd}`;

/** The absolute real path of what `handle` has open; `openedAs` is the path it was opened by. */
export const realPathOfOpen = async (handle: FileHandle, openedAs: string): Promise<string> =>
  (await procFdWorks()) ? readlink(fdPath(handle)) : recheckedRealPath(handle, openedAs);

/**
 * The fallback where `/proc/self/fd` is missing (macOS, the BSDs): check, then use by path.
 * The real path of the path `handle` was opened by, accepted only while it still leads to the
 * very file `handle` has open (same device and inode); otherwise a component was swapped since,
 * and this throws `pathChangedError`. Callers that then use a path built on the result call this
 * again right before each use. What remains is the window between that re-check and the call that
 * follows it: a directory swapped for a symlink in that window is not seen. On Linux the
 * `/proc/self/fd` paths close it.
 */
export const recheckedRealPath = async (handle: FileHandle, openedAs: string): Promise<string> => {
  const real = await realpath(openedAs);
  const [held, named] = await Promise.all([handle.stat(), stat(real)]);
  if (held.ino !== named.ino || held.dev !== named.dev) throw pathChangedError(openedAs);
  return real;
};
