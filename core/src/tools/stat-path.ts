import type { Stats } from "node:fs";
import { stat } from "node:fs/promises";
import { fsErrorResult } from "./fs-error.js";
import type { ToolResult } from "./tool.js";

/** Stats a path a tool works in or on; a missing or unreadable path becomes a result for the model. */
export const statPath = async (resolvedPath: string, shownPath: string): Promise<{ stats: Stats } | { failure: ToolResult }> => {
  try {
    return { stats: await stat(resolvedPath) };
  } catch (error) {
    return { failure: fsErrorResult(error, resolvedPath, shownPath) };
  }
};
