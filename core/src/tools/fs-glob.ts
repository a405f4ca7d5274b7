import { join } from "node:path";
import { glob } from "tinyglobby";
import { z } from "zod";
import { displayPath, resolvePath } from "./resolve-path.js";
import { statPath } from "./stat-path.js";
import { excludesFor } from "./search-excludes.js";
import { abortedResult, isAbortError, toolFailure } from "./tool-failure.js";
import { defineTool, type Tool } from "./tool.js";

export const FsGlobInput = z.object({
  pattern: z.string().min(1).describe('Glob pattern, e.g. "src/**/*.ts" or "*.{json,yaml}".'),
  cwd: z.string().optional().describe("Directory the pattern is matched in (default: the working directory)."),
  include_ignored: z.boolean().optional().describe("Also match inside node_modules and .git (skipped by default)."),
});
export type FsGlobInput = z.infer<typeof FsGlobInput>;

export interface FsGlobOptions {
  /** Most paths listed in one result (default 1000). */
  maxResults?: number;
}

export const createFsGlobTool = (options: FsGlobOptions = {}): Tool<FsGlobInput> => {
  const maxResults = options.maxResults ?? 1000;
  return defineTool<FsGlobInput>({
    name: "fs_glob",
    description:
      "Find files whose paths match a glob pattern. Returns matching file paths (dotfiles included), " +
      `sorted, relative to the working directory; at most ${maxResults}.`,
    input: FsGlobInput,
    async execute(input, { workDir, signal }) {
      const shownRoot = input.cwd ?? ".";
      const resolvedPath = resolvePath(workDir, shownRoot);
      const root = await statPath(resolvedPath, shownRoot);
      if ("failure" in root) return root.failure;
      if (!root.stats.isDirectory()) return toolFailure(`cwd ${shownRoot} is not a directory.`, { resolvedPath });
      let found: string[];
      try {
        found = await glob(input.pattern, {
          cwd: resolvedPath,
          dot: true,
          onlyFiles: true,
          expandDirectories: false,
          ignore: excludesFor(input.include_ignored),
          signal,
        });
      } catch (error) {
        if (isAbortError(error) || signal.aborted) return abortedResult({ resolvedPath });
        throw error;
      }
      const paths = found.map((path) => displayPath(workDir, join(resolvedPath, path))).sort();
      const truncated = paths.length > maxResults;
      const meta = { resolvedPath, matches: paths.length, truncated };
      if (paths.length === 0) return { output: `No files match ${input.pattern} in ${shownRoot}`, meta };
      const listed = paths.slice(0, maxResults).join("\n");
      const note = truncated ? `\n\n[showing the first ${maxResults} of ${paths.length} matches; narrow the pattern]` : "";
      return { output: listed + note, meta };
    },
  });
};

export const fsGlobTool = createFsGlobTool();
