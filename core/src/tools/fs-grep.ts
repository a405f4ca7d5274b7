import { constants } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { realWorkRoot } from "../permissions/default-policy.js";
import { looksBinary } from "./binary-sniff.js";
import { errnoError, fsErrorResult, isErrnoError } from "./fs-error.js";
import { globInside, patternLeavesRoot } from "./glob-inside.js";
import { holdDirIn, openFileIn, type HeldDir } from "./held-dir.js";
import { linesOfOpenFile } from "./open-file-lines.js";
import { realPathOfOpen } from "./open-file-path.js";
import { displayPath, isInside } from "./resolve-path.js";
import { excludesFor } from "./search-excludes.js";
import { abortedResult, isAbortError, toolFailure } from "./tool-failure.js";
import { defineTool, type Tool, type ToolContext, type ToolResult } from "./tool.js";
import { locatePermitted, workPath, type PermittedPlace, type WorkPath } from "./work-root.js";

export const FsGrepInput = z.object({
  pattern: z.string().min(1).describe("JavaScript regular expression searched for in each line."),
  path: z.string().optional().describe("File or directory to search (default: the working directory)."),
  glob: z.string().optional().describe('Only search files matching this glob, e.g. "*.ts" (a pattern without "/" matches at any depth).'),
  ignore_case: z.boolean().optional().describe("Case-insensitive match (default false)."),
  include_ignored: z.boolean().optional().describe("Also search node_modules and .git (skipped by default)."),
});
export type FsGrepInput = z.infer<typeof FsGrepInput>;

export interface FsGrepOptions {
  /** Most matching lines reported in one result (default 500). */
  maxMatches?: number;
  /** Matching lines longer than this are cut (default 500 characters). */
  maxLineChars?: number;
}

interface Search {
  regex: RegExp;
  maxMatches: number;
  maxLineChars: number;
  signal: AbortSignal;
  lines: string[];
  filesSearched: number;
  binarySkipped: number;
  unreadable: number;
  /** Files whose real path is outside the searched directory (symlinks out of it), not read. */
  outside: number;
}

export const createFsGrepTool = (options: FsGrepOptions = {}): Tool<FsGrepInput> => {
  const maxMatches = options.maxMatches ?? 500;
  const maxLineChars = options.maxLineChars ?? 500;
  return defineTool<FsGrepInput>({
    name: "fs_grep",
    description:
      "Search file contents with a regular expression. Prints matching lines as path:line:text, paths relative " +
      `to the working directory, at most ${maxMatches}. Binary files, node_modules and .git are skipped.`,
    input: FsGrepInput,
    checksPermissions: true,
    idempotent: true,
    parallel: true,
    async execute(input, context) {
      const shownRoot = input.path ?? ".";
      const path = workPath(context.workDir, shownRoot);
      if ("failure" in path) return path.failure;
      const { resolvedPath } = path;
      const regex = compile(input.pattern, input.ignore_case);
      if (regex instanceof SyntaxError) {
        return toolFailure(`Invalid regular expression: ${regex.message}`, { resolvedPath, pattern: input.pattern });
      }
      const leaves = input.glob === undefined ? undefined : patternLeavesRoot(input.glob);
      if (leaves !== undefined) {
        return toolFailure(
          `The glob ${input.glob} reaches outside ${shownRoot} (${leaves}); it filters files below path only, so pass the directory as path instead.`,
          { resolvedPath, glob: input.glob },
        );
      }
      const search: Search = {
        regex,
        maxMatches,
        maxLineChars,
        signal: context.signal,
        lines: [],
        filesSearched: 0,
        binarySkipped: 0,
        unreadable: 0,
        outside: 0,
      };
      let outsideOf = shownRoot;
      try {
        const place = await locatePermitted(context, "fs_grep", path, "read");
        if ("failure" in place) return place.failure;
        try {
          if (place.existing === undefined) throw errnoError("ENOENT", resolvedPath);
          if (place.existing.isDirectory()) {
            const root = await holdDirIn(place.dir, place.name);
            try {
              await searchTree(root, input, resolvedPath, context, search);
            } finally {
              await root.close();
            }
            if (root.real === realWorkRoot(context.workDir)) outsideOf = "the work root";
          } else {
            const refusal = await searchOneFile(place, path, displayPath(context.workDir, resolvedPath), search);
            if (refusal) return refusal;
          }
        } finally {
          await place.dir.close();
        }
      } catch (error) {
        if (isAbortError(error) || context.signal.aborted) return abortedResult({ resolvedPath });
        return fsErrorResult(error, resolvedPath, shownRoot);
      }
      return present(search, input.pattern, shownRoot, resolvedPath, outsideOf);
    },
  });
};

export const fsGrepTool = createFsGrepTool();

const compile = (pattern: string, ignoreCase: boolean | undefined): RegExp | SyntaxError => {
  try {
    return new RegExp(pattern, ignoreCase ? "i" : "");
  } catch (error) {
    if (error instanceof SyntaxError) return error;
    throw error;
  }
};

/** Searches every file below the held directory `root` that the glob filter keeps, in path order. */
const searchTree = async (root: HeldDir, input: FsGrepInput, resolvedRoot: string, context: ToolContext, search: Search): Promise<void> => {
  const filter = input.glob ?? "**/*";
  const found = await globInside(root, filter.includes("/") ? filter : `**/${filter}`, {
    ignore: excludesFor(input.include_ignored),
    signal: context.signal,
  });
  search.outside += found.outside;
  for (const file of found.paths.sort()) {
    if (search.lines.length > search.maxMatches) break;
    await searchFileBelow(root, file, displayPath(context.workDir, join(resolvedRoot, file)), search);
  }
};

/**
 * Searches the file at `relative` below `root`, read only when the real path of what was opened
 * is inside `root` (a symlink out of it, or a directory swapped for one mid-walk, is counted and
 * skipped). Unreadable files are counted, not fatal.
 */
const searchFileBelow = async (root: HeldDir, relative: string, shown: string, search: Search): Promise<void> => {
  let handle: FileHandle | undefined;
  try {
    const openedAs = join(await root.pathOf(), relative);
    handle = await open(openedAs, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    if (!isInside(root.real, await realPathOfOpen(handle, openedAs))) {
      search.outside++;
      return;
    }
    if (!(await handle.stat()).isFile()) {
      search.unreadable++;
      return;
    }
    await searchOpenFile(handle, shown, search);
  } catch (error) {
    if (!isErrnoError(error) || isAbortError(error)) throw error;
    search.unreadable++;
  } finally {
    await handle?.close();
  }
};

/** Searches the one permitted file of `place`; a path that is neither file nor directory is a failure result. */
const searchOneFile = async (place: PermittedPlace, path: WorkPath, shown: string, search: Search): Promise<ToolResult | undefined> => {
  const handle = await openFileIn(place.dir, place.name);
  try {
    if (!(await handle.stat()).isFile()) {
      return toolFailure(`${path.shown} is not a regular file or a directory (a FIFO, socket or device).`, { resolvedPath: path.resolvedPath });
    }
    await searchOpenFile(handle, shown, search);
    return undefined;
  } finally {
    await handle.close();
  }
};

/** Streams one open file line by line (at "\n" only, as grep numbers them). */
const searchOpenFile = async (handle: FileHandle, shown: string, search: Search): Promise<void> => {
  if (await looksBinary(handle)) {
    search.binarySkipped++;
    return;
  }
  search.filesSearched++;
  let number = 0;
  for await (const line of linesOfOpenFile(handle, search.signal)) {
    number++;
    if (!search.regex.test(line)) continue;
    search.lines.push(`${shown}:${number}:${cut(line, search.maxLineChars)}`);
    // One past the cap tells "exactly at the cap" from "more were left".
    if (search.lines.length > search.maxMatches) return;
  }
};

const cut = (line: string, max: number): string => (line.length > max ? `${line.slice(0, max)}… [cut]` : line);

const present = (search: Search, pattern: string, shownRoot: string, resolvedPath: string, outsideOf: string): ToolResult => {
  const truncated = search.lines.length > search.maxMatches;
  const shown = search.lines.slice(0, search.maxMatches);
  const meta = {
    resolvedPath,
    matches: shown.length,
    truncated,
    filesSearched: search.filesSearched,
    binarySkipped: search.binarySkipped,
    unreadable: search.unreadable,
    outsideSkipped: search.outside,
  };
  const notes = [
    ...(truncated ? [`[showing the first ${search.maxMatches} matches; more exist: narrow the pattern, path or glob]`] : []),
    ...(search.outside > 0 ? [`[${search.outside} skipped: outside ${outsideOf}]`] : []),
  ];
  const footer = notes.length > 0 ? `\n\n${notes.join("\n")}` : "";
  if (shown.length === 0) return { output: `No matches for /${pattern}/ in ${shownRoot}${footer}`, meta };
  return { output: shown.join("\n") + footer, meta };
};
