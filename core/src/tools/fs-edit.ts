import { readFile } from "node:fs/promises";
import { z } from "zod";
import { applyEdit } from "./apply-edit.js";
import { atomicWrite } from "./atomic-write.js";
import { fsErrorResult } from "./fs-error.js";
import { resolvePath } from "./resolve-path.js";
import { toolFailure } from "./tool-failure.js";
import { defineTool } from "./tool.js";

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
  description:
    "Replace an exact string in a file. old_string must occur exactly once unless replace_all is true; " +
    "otherwise nothing is changed and the reason is reported. The write is atomic.",
  input: FsEditInput,
  async execute(input, { workDir }) {
    const resolvedPath = resolvePath(workDir, input.path);
    try {
      const outcome = applyEdit(await readFile(resolvedPath, "utf8"), input);
      if (!outcome.ok) {
        return toolFailure(`${input.path} was not changed: ${outcome.message}`, {
          resolvedPath,
          reason: outcome.reason,
          occurrences: outcome.occurrences,
        });
      }
      await atomicWrite(resolvedPath, outcome.content);
      const bytes = Buffer.byteLength(outcome.content);
      return {
        output: `Edited ${input.path}: ${outcome.replacements} replacement(s).`,
        meta: { resolvedPath, replacements: outcome.replacements, bytes },
      };
    } catch (error) {
      return fsErrorResult(error, resolvedPath, input.path);
    }
  },
});
