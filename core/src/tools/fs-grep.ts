import { join } from "node:path";
import { glob } from "tinyglobby";
import { z } from "zod";
import { readLines } from "../runtime/read-lines.js";
import { looksBinary } from "./binary-sniff.js";
import { isErrnoError } from "./fs-error.js";
import { displayPath, resolvePath } from "./resolve-path.js";
import { statPath } from "./stat-path.js";
import { excludesFor } from "./search-excludes.js";
import { abortedResult, isAbortError, toolFailure } from "./tool-failure.js";
import { defineTool, type Tool, type ToolResult } from "./tool.js";

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
    async execute(input, { workDir, signal }) {
      const shownRoot = input.path ?? ".";
      const resolvedPath = resolvePath(workDir, shownRoot);
      const regex = compile(input.pattern, input.ignore_case);
      if (regex instanceof SyntaxError) {
        return toolFailure(`Invalid regular expression: ${regex.message}`, { resolvedPath, pattern: input.pattern });
      }
      const root = await statPath(resolvedPath, shownRoot);
      if ("failure" in root) return root.failure;
      const search: Search = { regex, maxMatches, maxLineChars, signal, lines: [], filesSearched: 0, binarySkipped: 0, unreadable: 0 };
      try {
        const files = root.stats.isDirectory() ? await listFiles(resolvedPath, input, signal) : [resolvedPath];
        for (const file of files) {
          if (search.lines.length > maxMatches) break;
          await searchFile(file, displayPath(workDir, file), search);
        }
      } catch (error) {
        if (isAbortError(error) || signal.aborted) return abortedResult({ resolvedPath });
        throw error;
      }
      return present(search, input.pattern, shownRoot, resolvedPath);
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

const listFiles = async (root: string, input: FsGrepInput, signal: AbortSignal): Promise<string[]> => {
  const filter = input.glob ?? "**/*";
  const found = await glob(filter.includes("/") ? filter : `**/${filter}`, {
    cwd: root,
    dot: true,
    onlyFiles: true,
    expandDirectories: false,
    ignore: excludesFor(input.include_ignored),
    signal,
  });
  return found.map((path) => join(root, path)).sort();
};

/** Streams one file line by line (at "\n" only, as grep numbers them); unreadable files are counted, not fatal. */
const searchFile = async (file: string, shown: string, search: Search): Promise<void> => {
  try {
    if (await looksBinary(file)) {
      search.binarySkipped++;
      return;
    }
    search.filesSearched++;
    let number = 0;
    for await (const line of readLines(file, { signal: search.signal })) {
      number++;
      if (!search.regex.test(line)) continue;
      search.lines.push(`${shown}:${number}:${cut(line, search.maxLineChars)}`);
      // One past the cap tells "exactly at the cap" from "more were left".
      if (search.lines.length > search.maxMatches) return;
    }
  } catch (error) {
    if (!isErrnoError(error) || isAbortError(error)) throw error;
    search.unreadable++;
  }
};

const cut = (line: string, max: number): string => (line.length > max ? `${line.slice(0, max)}… [cut]` : line);

const present = (search: Search, pattern: string, shownRoot: string, resolvedPath: string): ToolResult => {
  const truncated = search.lines.length > search.maxMatches;
  const shown = search.lines.slice(0, search.maxMatches);
  const meta = {
    resolvedPath,
    matches: shown.length,
    truncated,
    filesSearched: search.filesSearched,
    binarySkipped: search.binarySkipped,
    unreadable: search.unreadable,
  };
  if (shown.length === 0) return { output: `No matches for /${pattern}/ in ${shownRoot}`, meta };
  const note = truncated ? `\n\n[showing the first ${search.maxMatches} matches; more exist: narrow the pattern, path or glob]` : "";
  return { output: shown.join("\n") + note, meta };
};
