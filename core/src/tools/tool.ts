import type { z } from "zod";

export interface ToolContext {
  /** Aborted when the conversation ends or the run is cancelled. */
  signal: AbortSignal;
  /** Relative paths resolve against this directory. */
  workDir: string;
}

export interface ToolResult {
  /** Text returned to the model. */
  output: string;
  isError?: boolean;
  /** Structured facts recorded in the transcript (e.g. `resolvedPath`, `exitCode`, `bytes`). */
  meta?: Record<string, unknown>;
}

export interface Tool<Input = any> {
  name: string;
  description: string;
  input: z.ZodType<Input>;
  execute(input: Input, context: ToolContext): Promise<ToolResult>;
}

export const defineTool = <Input>(tool: Tool<Input>): Tool<Input> => tool;
