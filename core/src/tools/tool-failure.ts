import type { ToolResult } from "./tool.js";

/** A user-level failure reported to the model (never thrown). */
export const toolFailure = (output: string, meta: Record<string, unknown> = {}): ToolResult => ({
  output,
  isError: true,
  meta,
});

export const abortedResult = (meta: Record<string, unknown> = {}): ToolResult =>
  toolFailure("Aborted: the tool call was cancelled.", { ...meta, aborted: true });

export const isAbortError = (error: unknown): boolean => error instanceof Error && (error.name === "AbortError" || error.name === "TimeoutError");
