import type { Dirent, readdir as readdirWithCallback } from "node:fs";
import { readdir, realpath, stat } from "node:fs/promises";
import { isAbsolute } from "node:path";
import { glob } from "tinyglobby";
import { holdDir, type HeldDir } from "./held-dir.js";
import { isInside } from "./resolve-path.js";

/**
 * Why `pattern` would match outside the directory it is matched in (an absolute pattern, or a
 * ".." segment, brace and extglob alternatives included), or undefined when it stays below it.
 * Such a pattern is refused: the directory to search is a path argument, which the policy checks.
 */
export const patternLeavesRoot = (pattern: string): string | undefined => {
  // Escapes only make a character literal; a literal "." is still a dot.
  const plain = pattern.replaceAll("\\", "");
  if (isAbsolute(plain)) return "it is an absolute path";
  if (plain.split(/[/{},()|!@+]/).some((piece) => piece.startsWith(".."))) return 'it has a ".." segment';
  return undefined;
};

export interface GlobInsideOptions {
  /** Patterns of paths left out (relative to the root). */
  ignore: readonly string[];
  signal: AbortSignal;
}

export interface GlobbedInside {
  /** Matching files, relative to the root, in no particular order. */
  paths: string[];
  /** Matching symlinks left out because their real path is outside the root. */
  outside: number;
}

/** The few members of a directory entry the walk reads. */
type EntryLike = Pick<Dirent, "name" | "isFile" | "isDirectory" | "isSymbolicLink">;

/**
 * Matches `pattern` against the files below the held directory `root`, confined to it:
 * - the walk starts at the held directory (on Linux through /proc/self/fd, so the path it was
 *   opened by no longer matters) and lists a directory only when its real path is inside `root`;
 * - a symlinked directory is never walked;
 * - a symlink to a file is matched as a file, and left out (counted in `outside`) when its real
 *   path is outside `root`.
 * Nothing here asks the permit: `root` was permitted, and this is a containment check against it.
 * Only names are listed; a caller that reads a file checks the real path of what it opened.
 */
export const globInside = async (root: HeldDir, pattern: string, options: GlobInsideOptions): Promise<GlobbedInside> => {
  const cwd = await root.pathOf();
  const prefix = cwd.endsWith("/") ? cwd : `${cwd}/`;
  /** Real paths of the symlinked files met, by their path relative to the root. */
  const linked = new Map<string, string>();

  const listInside = async (path: string): Promise<EntryLike[]> => {
    const dir = await holdDir(path);
    try {
      if (!isInside(root.real, dir.real)) return [];
      const entries: EntryLike[] = [];
      for (const entry of await readdir(await dir.pathOf(), { withFileTypes: true })) {
        if (!entry.isSymbolicLink()) {
          entries.push(entry);
          continue;
        }
        const real = await realpath(await dir.pathOf(entry.name)).catch(() => undefined);
        const stats = real === undefined ? undefined : await stat(real).catch(() => undefined);
        // Dangling, or a directory (not walked), or neither file nor directory: left out.
        if (real === undefined || !stats?.isFile()) continue;
        if (path.startsWith(prefix)) linked.set(path.slice(prefix.length) + entry.name, real);
        entries.push(fileEntry(entry.name));
      }
      return entries;
    } finally {
      await dir.close();
    }
  };

  const found = await glob(pattern, {
    cwd,
    dot: true,
    onlyFiles: true,
    expandDirectories: false,
    followSymbolicLinks: false,
    ignore: options.ignore,
    signal: options.signal,
    fs: { readdir: asCallbackReaddir(listInside) },
  });
  const paths: string[] = [];
  let outside = 0;
  for (const path of found) {
    const real = linked.get(path);
    if (real !== undefined && !isInside(root.real, real)) outside++;
    else paths.push(path);
  }
  return { paths, outside };
};

/** A symlink to a file, shown to the walk as the file it leads to. */
const fileEntry = (name: string): EntryLike => ({ name, isFile: () => true, isDirectory: () => false, isSymbolicLink: () => false });

/**
 * `list` in the shape of `fs.readdir(path, { withFileTypes: true }, callback)`, the one call the
 * walk (fdir, under tinyglobby) makes to list a directory; it reads nothing else of an entry.
 */
const asCallbackReaddir = (list: (path: string) => Promise<EntryLike[]>): typeof readdirWithCallback =>
  ((path: string, _options: unknown, callback: (error: Error | null, entries?: EntryLike[]) => void) => {
    void list(path).then(
      (entries) => callback(null, entries),
      (error: Error) => callback(error),
    );
  }) as unknown as typeof readdirWithCallback;
