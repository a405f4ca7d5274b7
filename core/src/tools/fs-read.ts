import type { Stats } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { z } from "zod";
import { looksBinary } from "./binary-sniff.js";
import { fsErrorResult } from "./fs-error.js";
import { openFileIn } from "./held-dir.js";
import { linesOfOpenFile } from "./open-file-lines.js";
import { toolFailure } from "./tool-failure.js";
import { defineTool, type ToolResult } from "./tool.js";
import { locatePermitted, workPath } from "./work-root.js";

export const defaultReadLimit = 2000;
export const maxLineChars = 2000;

export const FsReadInput = z.object({
  path: z.string().min(1).describe("File to read; relative paths resolve against the working directory."),
  offset: z.number().int().min(1).optional().describe("1-based line number to start at (default 1)."),
  limit: z.number().int().min(1).optional().describe(`Maximum number of lines to return (default ${defaultReadLimit}).`),
});
export type FsReadInput = z.infer<typeof FsReadInput>;

interface Window {
  first: number;
  limit: number;
}

interface Page {
  lines: string[];
  totalLines: number;
  longLines: number;
}

export const fsReadTool = defineTool<FsReadInput>({
  name: "fs_read",
  description:
    `Read a text file. Returns lines prefixed with their line number and a tab. ` +
    `Reads up to ${defaultReadLimit} lines from 'offset'; lines longer than ${maxLineChars} characters are cut. ` +
    `The footer gives the total line count and the offset to continue from.`,
  input: FsReadInput,
  checksPermissions: true,
  idempotent: true,
  parallel: true,
  async execute(input, context) {
    const path = workPath(context.workDir, input.path);
    if ("failure" in path) return path.failure;
    const { resolvedPath } = path;
    try {
      const place = await locatePermitted(context, "fs_read", path, "read");
      if ("failure" in place) return place.failure;
      let handle: FileHandle;
      try {
        handle = await openFileIn(place.dir, place.name);
      } finally {
        await place.dir.close();
      }
      try {
        const refusal = await refuseNonText(handle, await handle.stat(), resolvedPath, input.path);
        if (refusal) return refusal;
        const window = { first: input.offset ?? 1, limit: input.limit ?? defaultReadLimit };
        const page = await readPage(handle, window, context.signal);
        return present(page, window, resolvedPath, input.path);
      } finally {
        await handle.close();
      }
    } catch (error) {
      return fsErrorResult(error, resolvedPath, input.path);
    }
  },
});

const refuseNonText = async (handle: FileHandle, stats: Stats, resolvedPath: string, shownPath: string): Promise<ToolResult | undefined> => {
  if (stats.isDirectory()) {
    return toolFailure(`${shownPath} is a directory, not a file; use fs_glob to list its contents.`, { resolvedPath });
  }
  if (!stats.isFile()) {
    return toolFailure(`${shownPath} is not a regular file (a FIFO, socket or device); fs_read reads files only.`, { resolvedPath });
  }
  if (await looksBinary(handle)) {
    return toolFailure(`${shownPath} looks like a binary file (it contains NUL bytes); fs_read shows text only.`, {
      resolvedPath,
      bytes: stats.size,
    });
  }
  return undefined;
};

/**
 * Streams the file line by line: memory holds only the requested window, whatever the file size.
 * Lines end at "\n" only (U+2028 is text), so the numbers are the ones editors and grep show.
 */
const readPage = async (handle: FileHandle, window: Window, signal: AbortSignal): Promise<Page> => {
  const lines = linesOfOpenFile(handle, signal);
  const last = window.first + window.limit - 1;
  const page: Page = { lines: [], totalLines: 0, longLines: 0 };
  for await (const line of lines) {
    const number = ++page.totalLines;
    if (number < window.first || number > last) continue;
    if (line.length > maxLineChars) page.longLines++;
    page.lines.push(numbered(number, line));
  }
  return page;
};

const numbered = (number: number, line: string): string => {
  const text = line.length > maxLineChars ? `${line.slice(0, maxLineChars)}… [line cut: ${line.length} chars]` : line;
  return `${String(number).padStart(6)}\t${text}`;
};

const present = (page: Page, window: Window, resolvedPath: string, shownPath: string): ToolResult => {
  const { totalLines, longLines } = page;
  if (totalLines === 0) {
    return { output: `${shownPath} is empty (0 lines).`, meta: { resolvedPath, totalLines, truncated: false } };
  }
  if (page.lines.length === 0) {
    return toolFailure(`offset ${window.first} is past the end of ${shownPath}, which has ${totalLines} lines.`, {
      resolvedPath,
      totalLines,
    });
  }
  const lastLine = window.first + page.lines.length - 1;
  const truncated = lastLine < totalLines;
  const footer = [
    truncated
      ? `[lines ${window.first}-${lastLine} of ${totalLines}; truncated: continue with offset ${lastLine + 1}]`
      : `[lines ${window.first}-${lastLine} of ${totalLines}; end of file]`,
    ...(longLines > 0 ? [`[${longLines} long line(s) cut at ${maxLineChars} characters]`] : []),
  ];
  return {
    output: `${page.lines.join("\n")}\n\n${footer.join("\n")}`,
    meta: { resolvedPath, totalLines, firstLine: window.first, lastLine, truncated, longLinesCut: longLines },
  };
};
