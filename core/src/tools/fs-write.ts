import { z } from "zod";
import { atomicWrite } from "./atomic-write.js";
import { fsErrorResult } from "./fs-error.js";
import { toolFailure } from "./tool-failure.js";
import { defineTool } from "./tool.js";
import { locatePermitted, workPath } from "./work-root.js";

export const FsWriteInput = z.object({
  path: z.string().min(1).describe("File to write; relative paths resolve against the working directory."),
  content: z.string().describe("The complete new content of the file."),
});
export type FsWriteInput = z.infer<typeof FsWriteInput>;

export const fsWriteTool = defineTool<FsWriteInput>({
  name: "fs_write",
  parallel: false,
  description:
    "Create or overwrite a file with the given content. Missing parent directories are created. " +
    "The write is atomic: the file holds either its old or its new content, never a mix.",
  input: FsWriteInput,
  checksPermissions: true,
  idempotent: true,
  async execute(input, context) {
    const path = workPath(context.workDir, input.path);
    if ("failure" in path) return path.failure;
    const { resolvedPath } = path;
    try {
      // A symlink at the path is written through: what is permitted (and written) is its real target.
      const place = await locatePermitted(context, "fs_write", path, "write", { createParents: true });
      if ("failure" in place) return place.failure;
      try {
        const { existing } = place;
        if (existing?.isDirectory()) return toolFailure(`${input.path} is a directory; cannot write it as a file.`, { resolvedPath });
        await atomicWrite(place.dir, place.name, input.content, existing?.isFile() ? existing.mode & 0o7777 : undefined);
      } finally {
        await place.dir.close();
      }
      const bytes = Buffer.byteLength(input.content);
      const created = place.existing === undefined;
      return {
        output: `${created ? "Created" : "Overwrote"} ${input.path} (${bytes} bytes).`,
        meta: { resolvedPath, bytes, created },
      };
    } catch (error) {
      return fsErrorResult(error, resolvedPath, input.path);
    }
  },
});
