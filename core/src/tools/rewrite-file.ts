import type { Stats } from "node:fs";
import { atomicWrite } from "./atomic-write.js";
import { errnoError } from "./fs-error.js";
import { openFileIn } from "./held-dir.js";
import { toolFailure } from "./tool-failure.js";
import type { ToolContext, ToolResult } from "./tool.js";
import { locatePermitted, type WorkPath } from "./work-root.js";

/** What a change to a file's text decided: its new content, or why nothing is written. */
export type Rewrite = { content: string } | { failure: ToolResult };

/**
 * Reads the text file at `path`, lets `change` compute its new content, and writes that atomically
 * (permission bits kept). The permit asked is `write` (an edit reads only what it may overwrite);
 * the read and the write both go through the directory held since the permit, so a component
 * swapped meanwhile changes nothing. Returns what `change` returned; a missing file, a directory
 * or an I/O failure throws, as the fs calls do.
 */
export const rewriteFile = async <R extends Rewrite>(
  context: ToolContext,
  tool: string,
  path: WorkPath,
  change: (content: string) => R,
): Promise<R | { failure: ToolResult }> => {
  const place = await locatePermitted(context, tool, path, "write");
  if ("failure" in place) return place;
  try {
    const handle = await openFileIn(place.dir, place.name);
    let stats: Stats;
    let content: string;
    try {
      stats = await handle.stat();
      if (stats.isDirectory()) throw errnoError("EISDIR", path.resolvedPath);
      if (!stats.isFile()) {
        return {
          failure: toolFailure(`${path.shown} is not a regular file (a FIFO, socket or device); only files can be edited.`, {
            resolvedPath: path.resolvedPath,
          }),
        };
      }
      content = await handle.readFile("utf8");
    } finally {
      await handle.close();
    }
    const outcome = change(content);
    if ("failure" in outcome) return outcome;
    await atomicWrite(place.dir, place.name, outcome.content, stats.mode & 0o7777);
    return outcome;
  } finally {
    await place.dir.close();
  }
};
