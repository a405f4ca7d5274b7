import type { Stats } from "node:fs";
import { lstat, readlink } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { errnoError, isErrnoError } from "./fs-error.js";
import { holdDir, type HeldDir } from "./held-dir.js";

/** Where an absolute path really is: its deepest existing directory, held open, and the names below it. */
export interface Located {
  /** The deepest directory on the way that could be opened, held. */
  dir: HeldDir;
  /** The names from `dir` down to the target, the target's last; empty only when the target is "/". */
  rest: string[];
  /** The target's absolute real path: `dir.real` then `rest` (none of which is a symlink). */
  real: string;
}

/** As many symlinks as Linux follows in one lookup. */
const maxSymlinks = 40;

/**
 * Finds where `path` (absolute, normalised) really is, as the OS would reach it, and holds the
 * deepest existing directory on the way: the real path of that directory, then the names that do
 * not exist (yet). A symlink among those names is followed here, so a symlink inside a directory
 * that points out of it is seen where it points, and so is a dangling one. Opens directories
 * only: nothing is read or created, and the caller asks its permit before using the result.
 */
export const locatePath = async (path: string): Promise<Located> => {
  let current = path;
  for (let links = 0; links <= maxSymlinks; links++) {
    const { dir, rest } = await holdDeepest(current);
    let link: string | undefined;
    try {
      if (rest.length > 0) link = await symlinkText(await dir.pathOf(rest[0]));
    } catch (error) {
      await dir.close();
      throw error;
    }
    if (link === undefined) return { dir, rest, real: join(dir.real, ...rest) };
    await dir.close();
    // The link's text is read against the real path of the directory holding it, as the OS does.
    current = resolve(dir.real, link, ...rest.slice(1));
  }
  throw errnoError("ELOOP", path);
};

/** The deepest directory of `path`'s parents (`path` itself only for "/") that opens, and the names below it. */
const holdDeepest = async (path: string): Promise<{ dir: HeldDir; rest: string[] }> => {
  const rest: string[] = [];
  let candidate = path;
  if (dirname(path) !== path) {
    rest.push(basename(path));
    candidate = dirname(path);
  }
  for (;;) {
    try {
      return { dir: await holdDir(candidate), rest };
    } catch (error) {
      // Missing, not a directory, or not searchable: the name is resolved from its parent instead.
      const parent = dirname(candidate);
      if (!isErrnoError(error) || parent === candidate) throw error;
      rest.unshift(basename(candidate));
      candidate = parent;
    }
  }
};

/** The text of the symlink at `path`; undefined when `path` is not a symlink (or is not there). */
const symlinkText = async (path: string): Promise<string | undefined> => {
  let stats: Stats;
  try {
    stats = await lstat(path);
  } catch (error) {
    if (isErrnoError(error)) return undefined;
    throw error;
  }
  return stats.isSymbolicLink() ? readlink(path) : undefined;
};
