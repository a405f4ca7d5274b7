import { appendFileSync } from "node:fs";

/**
 * Names `path` in a file-system error that lacks it. A write that fails midway (ENOSPC, EIO) is
 * reported by the write syscall on a descriptor, with no path; the path is what tells a fault of
 * the session's files from any other error, and what the one-line message names.
 */
export function withPath(error: unknown, path: string): unknown {
  const fault = error as NodeJS.ErrnoException | undefined;
  if (error instanceof Error && typeof fault?.code === "string" && fault.path === undefined) fault.path = path;
  return error;
}

/** `appendFileSync`, whose error always names the file. */
export function appendNamed(path: string, data: string): void {
  try {
    appendFileSync(path, data);
  } catch (error) {
    throw withPath(error, path);
  }
}
