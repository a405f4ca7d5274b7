import { mkdir, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { z } from "zod";
import { atomicWrite } from "./atomic-write.js";
import { fsErrorResult } from "./fs-error.js";
import { resolvePath } from "./resolve-path.js";
import { toolFailure } from "./tool-failure.js";
import { defineTool } from "./tool.js";

export const FsWriteInput = z.object({
  path: z.string().min(1).describe("File to write; relative paths resolve against the working directory."),
  content: z.string().describe("The complete new content of the file."),
});
export type FsWriteInput = z.infer<typeof FsWriteInput>;

export const fsWriteTool = defineTool<FsWriteInput>({
  name: "fs_write",
  description:
    "Create or overwrite a file with the given content. Missing parent directories are created. " +
    "The write is atomic: the file holds either its old or its new content, never a mix.",
  input: FsWriteInput,
  async execute(input, { workDir }) {
    const resolvedPath = resolvePath(workDir, input.path);
    try {
      const existing = await stat(resolvedPath).catch(() => undefined);
      if (existing?.isDirectory()) return toolFailure(`${input.path} is a directory; cannot write it as a file.`, { resolvedPath });
      await mkdir(dirname(resolvedPath), { recursive: true });
      await atomicWrite(resolvedPath, input.content);
      const bytes = Buffer.byteLength(input.content);
      const created = existing === undefined;
      return {
        output: `${created ? "Created" : "Overwrote"} ${input.path} (${bytes} bytes).`,
        meta: { resolvedPath, bytes, created },
      };
    } catch (error) {
      return fsErrorResult(error, resolvedPath, input.path);
    }
  },
});
