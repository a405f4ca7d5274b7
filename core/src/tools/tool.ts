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
  /** Validates the model's input before `execute`; its JSON Schema is what the model is shown, unless `inputSchema` is given. */
  input: z.ZodType<Input>;
  /**
   * A ready JSON Schema (type "object") shown to the model instead of one derived from `input`,
   * for tools described elsewhere (an MCP server's tools). `input` is then usually permissive
   * (`z.record(z.string(), z.unknown())`) and the tool's owner validates.
   */
  inputSchema?: Record<string, unknown>;
  execute(input: Input, context: ToolContext): Promise<ToolResult>;
}

export const defineTool = <Input>(tool: Tool<Input>): Tool<Input> => tool;
