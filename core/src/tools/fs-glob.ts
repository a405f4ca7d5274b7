import { join } from "node:path";
import { z } from "zod";
import { fsErrorResult } from "./fs-error.js";
import { globInside, patternLeavesRoot, type GlobbedInside } from "./glob-inside.js";
import { displayPath } from "./resolve-path.js";
import { excludesFor } from "./search-excludes.js";
import { abortedResult, toolFailure } from "./tool-failure.js";
import { defineTool, type Tool } from "./tool.js";
import { holdPermittedDir, workPath } from "./work-root.js";

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
    checksPermissions: true,
    idempotent: true,
    parallel: true,
    async execute(input, context) {
      const shownRoot = input.cwd ?? ".";
      const path = workPath(context.workDir, shownRoot, "cwd");
      if ("failure" in path) return path.failure;
      const { resolvedPath } = path;
      const leaves = patternLeavesRoot(input.pattern);
      if (leaves !== undefined) {
        return toolFailure(
          `The pattern ${input.pattern} reaches outside ${shownRoot} (${leaves}); patterns match below cwd only, so pass the directory as cwd instead (e.g. cwd: "..", pattern: "**/*.ts").`,
          { resolvedPath, pattern: input.pattern },
        );
      }
      let found: GlobbedInside;
      try {
        const root = await holdPermittedDir(context, "fs_glob", path, "cwd");
        if ("failure" in root) return root.failure;
        try {
          found = await globInside(root, input.pattern, { ignore: excludesFor(input.include_ignored), signal: context.signal });
        } finally {
          await root.close();
        }
      } catch (error) {
        if (context.signal.aborted) return abortedResult({ resolvedPath });
        return fsErrorResult(error, resolvedPath, shownRoot);
      }
      const paths = found.paths.map((match) => displayPath(context.workDir, join(resolvedPath, match))).sort();
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
