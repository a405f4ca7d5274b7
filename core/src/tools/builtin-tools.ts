import { fsEditTool } from "./fs-edit.js";
import { createFsGlobTool, fsGlobTool, type FsGlobOptions } from "./fs-glob.js";
import { createFsGrepTool, fsGrepTool, type FsGrepOptions } from "./fs-grep.js";
import { fsMultiEditTool } from "./fs-multi-edit.js";
import { fsReadTool } from "./fs-read.js";
import { fsWriteTool } from "./fs-write.js";
import { createShellRunTool, shellRunTool, type ShellRunOptions } from "./shell-run.js";
import { ToolRegistry } from "./tool-registry.js";
import type { Tool } from "./tool.js";
import { createWebFetchTool, webFetchTool, type WebFetchOptions } from "./web-fetch.js";

export interface BuiltinToolOptions {
  fsGlob?: FsGlobOptions;
  fsGrep?: FsGrepOptions;
  shellRun?: ShellRunOptions;
  webFetch?: WebFetchOptions;
}

/** Every built-in tool with default options. Tools hold no state, so sharing them is safe. */
export const builtinTools: readonly Tool[] = Object.freeze([
  fsReadTool,
  fsWriteTool,
  fsEditTool,
  fsMultiEditTool,
  fsGlobTool,
  fsGrepTool,
  shellRunTool,
  webFetchTool,
]);

/** The built-in tools, configured by `options` (e.g. a per-session fetch directory). */
export const createBuiltinTools = (options: BuiltinToolOptions = {}): Tool[] => [
  fsReadTool,
  fsWriteTool,
  fsEditTool,
  fsMultiEditTool,
  createFsGlobTool(options.fsGlob),
  createFsGrepTool(options.fsGrep),
  createShellRunTool(options.shellRun),
  createWebFetchTool(options.webFetch),
];

/**
 * A new registry holding every built-in tool; each call returns an independent registry. Without
 * options it holds the shared, stateless default instances, so their specs are built once per process.
 */
export const createDefaultRegistry = (options: BuiltinToolOptions = {}): ToolRegistry =>
  new ToolRegistry(Object.keys(options).length === 0 ? builtinTools : createBuiltinTools(options));
