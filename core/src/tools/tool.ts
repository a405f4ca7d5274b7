import type { z } from "zod";
import type { PermitFn } from "../permissions/permission-target.js";
import type { ShellSandbox } from "./shell-sandbox.js";

export interface ToolContext {
  /** Aborted when the conversation ends or the run is cancelled. */
  signal: AbortSignal;
  /** The work root: relative paths resolve against it, and the default policy confines the fs tools to it. */
  workDir: string;
  /**
   * The run's permission policy for this call (a human may be asked). Tools that declare
   * `checksPermissions` call it for every path, command or URL at the moment they touch it.
   * Default (a tool called directly): the default policy for `workDir`, with ask read as deny.
   */
  permit?: PermitFn;
  /** How `shell_run` confines commands; default: no sandbox. */
  sandbox?: ShellSandbox;
  /**
   * Told each process group the tool starts, as soon as it exists: the run records it durably, so a
   * resume after a crash kills what the dead run's tool left running.
   */
  onProcessGroup?: (pgid: number) => void;
  /**
   * Set as `ESCAPEMENT_PROCESS_TAG` in the environment of every process the tool starts, so a
   * resume finds what a crash left running even when the crash came before its group was recorded.
   */
  processTag?: string;
  /** Where tools save what they fetch for the model to read next (web_fetch bodies); the fs tools may read it. */
  downloadDir?: string;
  /** Environment of processes the tool starts (provider keys removed); default: the tool's own option, else this process's. */
  env?: NodeJS.ProcessEnv;
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
  /**
   * The tool asks `context.permit` itself for every path, command or URL it touches. Without it,
   * the runner checks the tool as a whole (`{ kind: "tool" }`) before `execute`.
   */
  checksPermissions?: boolean;
  /**
   * Running the tool twice with the same input does no harm (reads, a whole-file write, a GET).
   * When a crash interrupts it, a resume runs it again; otherwise the model is told the outcome is unknown.
   */
  idempotent?: boolean;
  /**
   * Calls of this tool may run at the same time as other parallel-safe calls of the same model step
   * (reads, searches, fetches). Default false: the call runs alone, after the calls before it and
   * before the calls after it, so its side effects happen in the model's order.
   */
  parallel?: boolean;
  /**
   * How long one call may run before it is aborted through `context.signal` and the model is told
   * it timed out, in milliseconds (whole, from 1). Default: the conversation's `toolTimeoutMs`
   * (120 s unless set); a conversation's `toolTimeouts[name]` overrides it.
   */
  timeoutMs?: number;
  /**
   * The time a call asks for in its own input (shell_run's `timeoutMs`): the call is then given
   * that much and a grace to stop on its own, when that is longer than its timeout.
   */
  timeoutFor?: (input: Input) => number | undefined;
  execute(input: Input, context: ToolContext): Promise<ToolResult>;
}

export const defineTool = <Input>(tool: Tool<Input>): Tool<Input> => tool;
