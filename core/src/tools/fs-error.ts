import { abortedResult, isAbortError, toolFailure } from "./tool-failure.js";
import type { ToolResult } from "./tool.js";

/** The code of `pathChangedError`: not the OS's, ours. */
const changedCode = "ECHANGED";

const reasons: Readonly<Record<string, string>> = {
  ENOENT: "no such file or directory",
  EISDIR: "is a directory",
  ENOTDIR: "a component of the path is not a directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EEXIST: "already exists",
  ENOSPC: "no space left on device",
  EROFS: "read-only file system",
  ENAMETOOLONG: "file name too long",
  ELOOP: "too many symbolic links",
  ENXIO: "no such device or address",
  [changedCode]: "the path changed while the tool was using it (a directory or symlink was swapped); try again",
};

/** An error shaped as the OS's, for a failure the tool detects itself (e.g. `ENOENT` once a permit is given). */
export const errnoError = (code: string, path: string): NodeJS.ErrnoException =>
  Object.assign(new Error(`${code}: ${reasons[code] ?? code}, ${path}`), { code, path });

/** A path that no longer leads where it led when it was checked: a component was swapped meanwhile. */
export const pathChangedError = (path: string): NodeJS.ErrnoException => errnoError(changedCode, path);

export const isErrnoError = (error: unknown): error is NodeJS.ErrnoException =>
  error instanceof Error && typeof (error as NodeJS.ErrnoException).code === "string";

/**
 * Turns a file-system failure into an error result for the model. Anything that is not a
 * file-system or abort error is a bug in the tool and is rethrown.
 */
export const fsErrorResult = (error: unknown, resolvedPath: string, shownPath: string): ToolResult => {
  if (isAbortError(error)) return abortedResult({ resolvedPath });
  if (!isErrnoError(error)) throw error;
  const code = error.code ?? "UNKNOWN";
  const reason = reasons[code] ?? error.message;
  return toolFailure(`${shownPath}: ${reason}`, { resolvedPath, code });
};
