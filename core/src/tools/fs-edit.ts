import { z } from "zod";
import { applyEdit } from "./apply-edit.js";
import { fsErrorResult } from "./fs-error.js";
import { rewriteFile } from "./rewrite-file.js";
import { toolFailure } from "./tool-failure.js";
import { defineTool, type ToolResult } from "./tool.js";
import { workPath } from "./work-root.js";

export const EditInput = z.object({
  old_string: z.string().min(1).describe("Exact text to replace, including whitespace and indentation."),
  new_string: z.string().describe("Text to put in its place."),
  replace_all: z.boolean().optional().describe("Replace every occurrence instead of requiring exactly one (default false)."),
});

export const FsEditInput = EditInput.extend({
  path: z.string().min(1).describe("File to edit; relative paths resolve against the working directory."),
});
export type FsEditInput = z.infer<typeof FsEditInput>;

export const fsEditTool = defineTool<FsEditInput>({
  name: "fs_edit",
  parallel: false,
  description:
    "Replace an exact string in a file. old_string must occur exactly once unless replace_all is true; " +
    "otherwise nothing is changed and the reason is reported. The write is atomic.",
  input: FsEditInput,
  checksPermissions: true,
  async execute(input, context) {
    const path = workPath(context.workDir, input.path);
    if ("failure" in path) return path.failure;
    const { resolvedPath } = path;
    try {
      const written = await rewriteFile(context, "fs_edit", path, (content): { content: string; replacements: number } | { failure: ToolResult } => {
        const outcome = applyEdit(content, input);
        if (outcome.ok) return { content: outcome.content, replacements: outcome.replacements };
        const failure = toolFailure(`${input.path} was not changed: ${outcome.message}`, {
          resolvedPath,
          reason: outcome.reason,
          occurrences: outcome.occurrences,
        });
        return { failure };
      });
      if ("failure" in written) return written.failure;
      const bytes = Buffer.byteLength(written.content);
      return {
        output: `Edited ${input.path}: ${written.replacements} replacement(s).`,
        meta: { resolvedPath, replacements: written.replacements, bytes },
      };
    } catch (error) {
      return fsErrorResult(error, resolvedPath, input.path);
    }
  },
});
