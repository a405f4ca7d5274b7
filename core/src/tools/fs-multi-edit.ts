import { z } from "zod";
import { applyEdit, type Edit } from "./apply-edit.js";
import { EditInput } from "./fs-edit.js";
import { fsErrorResult } from "./fs-error.js";
import { rewriteFile } from "./rewrite-file.js";
import { toolFailure } from "./tool-failure.js";
import { defineTool, type ToolResult } from "./tool.js";
import { workPath } from "./work-root.js";

export const FsMultiEditInput = z.object({
  path: z.string().min(1).describe("File to edit; relative paths resolve against the working directory."),
  edits: z.array(EditInput).min(1).describe("Edits applied in order, each to the result of the previous one. All succeed or none is written."),
});
export type FsMultiEditInput = z.infer<typeof FsMultiEditInput>;

export const fsMultiEditTool = defineTool<FsMultiEditInput>({
  name: "fs_multi_edit",
  parallel: false,
  description: "Apply several exact-string edits to one file, in order. Each edit follows fs_edit's rules. " + "If any edit fails, the file is left untouched.",
  input: FsMultiEditInput,
  checksPermissions: true,
  async execute(input, context) {
    const path = workPath(context.workDir, input.path);
    if ("failure" in path) return path.failure;
    const { resolvedPath } = path;
    try {
      const batch = await rewriteFile(context, "fs_multi_edit", path, (content) => applyAll(content, input.edits, input.path, resolvedPath));
      if ("failure" in batch) return batch.failure;
      return {
        output: `Edited ${input.path}: ${input.edits.length} edit(s), ${batch.replacements} replacement(s).`,
        meta: { resolvedPath, edits: input.edits.length, replacements: batch.replacements, bytes: Buffer.byteLength(batch.content) },
      };
    } catch (error) {
      return fsErrorResult(error, resolvedPath, input.path);
    }
  },
});

const applyAll = (
  original: string,
  edits: readonly Edit[],
  shownPath: string,
  resolvedPath: string,
): { content: string; replacements: number } | { failure: ToolResult } => {
  let content = original;
  let replacements = 0;
  for (const [index, edit] of edits.entries()) {
    const outcome = applyEdit(content, edit);
    if (!outcome.ok) {
      const failure = toolFailure(`Edit ${index + 1} of ${edits.length} failed: ${outcome.message} No changes were written to ${shownPath}.`, {
        resolvedPath,
        failedEdit: index + 1,
        reason: outcome.reason,
        occurrences: outcome.occurrences,
      });
      return { failure };
    }
    content = outcome.content;
    replacements += outcome.replacements;
  }
  return { content, replacements };
};
