/**
 * How the fs tools confine themselves: a path argument is resolved to its real path (symlinks
 * included), that path is put to the run's permission policy, and the tool then touches only what
 * was permitted, through directories held open since the check (see held-dir.ts), so that a path
 * component swapped for a symlink after the check changes nothing.
 */
import type { Stats } from "node:fs";
import { lstat } from "node:fs/promises";
import type { PathAccess, Permit } from "../permissions/permission-target.js";
import { errnoError, isErrnoError, pathChangedError } from "./fs-error.js";
import { descend, holdDirIn, type HeldDir } from "./held-dir.js";
import { locatePath } from "./locate-path.js";
import { permitOf } from "./permit-of.js";
import { resolvePath } from "./resolve-path.js";
import { toolFailure } from "./tool-failure.js";
import type { ToolContext, ToolResult } from "./tool.js";

/** Longest path argument accepted, in UTF-8 bytes (Linux's PATH_MAX). */
export const maxPathBytes = 4096;

/** A tool's path argument, checked and made absolute. */
export interface WorkPath {
  /** As the model wrote it; messages show it. */
  shown: string;
  /** Absolute and normalised (relative paths against the work root); symlinks not yet resolved. */
  resolvedPath: string;
}

/**
 * Checks a path argument and makes it absolute. A NUL byte or a path longer than any the OS
 * takes is a failure result (one line, without echoing the path), never an exception.
 */
export const workPath = (workDir: string, path: string, what = "path"): WorkPath | { failure: ToolResult } => {
  if (path.includes("\0")) {
    return { failure: toolFailure(`The ${what} contains a NUL byte; no file name can hold one.`, { invalidPath: "nul-byte" }) };
  }
  const bytes = Buffer.byteLength(path);
  if (bytes > maxPathBytes) {
    return { failure: toolFailure(`The ${what} is ${bytes} bytes long; paths are at most ${maxPathBytes} bytes.`, { invalidPath: "too-long", bytes }) };
  }
  return { shown: path, resolvedPath: resolvePath(workDir, path) };
};

/** A permitted place: the directory that holds the target, held open, and the target's name in it. */
export interface PermittedPlace {
  /** The directory holding the target; the caller closes it. */
  dir: HeldDir;
  /** The target's name in `dir` ("." when the target is "/" itself). */
  name: string;
  /** The target's absolute real path, as permitted. */
  real: string;
  /** lstat of the target, taken after the permit (never a symlink); undefined when it does not exist. */
  existing: Stats | undefined;
}

export interface PlaceOptions {
  /** Create the target's missing parent directories (after the permit, inside what was permitted). */
  createParents?: boolean;
}

/**
 * Finds where `path` really is, asks the run's permit for `access` to that real path, and holds
 * the directory the target is in. Nothing is created, and no error about the target (missing, not
 * a directory) is reported, before the permit: a refused path reveals nothing about itself.
 */
export const locatePermitted = async (
  context: ToolContext,
  tool: string,
  path: WorkPath,
  access: PathAccess,
  options: PlaceOptions = {},
): Promise<PermittedPlace | { failure: ToolResult }> => {
  const located = await locatePath(path.resolvedPath);
  let dir = located.dir;
  try {
    const refusal = await permitPath(context, tool, access, located.real, path);
    if (refusal) {
      await dir.close();
      return { failure: refusal };
    }
    dir = await descend(dir, located.rest.slice(0, -1), options.createParents ?? false);
    const name = located.rest.at(-1) ?? ".";
    const existing = await lstatIfThere(await dir.pathOf(name));
    // `locatePath` followed the symlinks, so one here now was put there since the check.
    if (existing?.isSymbolicLink()) throw pathChangedError(path.resolvedPath);
    return { dir, name, real: located.real, existing };
  } catch (error) {
    await dir.close();
    throw error;
  }
};

/**
 * The directory at `path`, permitted for reading and held open (the caller closes it): where a
 * search walks. A missing path throws ENOENT; a path that is not a directory is a failure result.
 */
export const holdPermittedDir = async (context: ToolContext, tool: string, path: WorkPath, what: string): Promise<HeldDir | { failure: ToolResult }> => {
  const place = await locatePermitted(context, tool, path, "read");
  if ("failure" in place) return place;
  try {
    if (place.existing === undefined) throw errnoError("ENOENT", path.resolvedPath);
    if (!place.existing.isDirectory()) return { failure: toolFailure(`${what} ${path.shown} is not a directory.`, { resolvedPath: path.resolvedPath }) };
    return await holdDirIn(place.dir, place.name);
  } finally {
    await place.dir.close();
  }
};

/**
 * Asks the run's permit whether `tool` may have `access` to the absolute real path `real`. A
 * refusal is a failure result for the model, never an exception; the wait for an answer (a human
 * may be asked) ends when the call is aborted.
 */
export const permitPath = async (context: ToolContext, tool: string, access: PathAccess, real: string, path: WorkPath): Promise<ToolResult | undefined> => {
  const permit = await untilAborted(permitOf(context, tool)({ kind: "path", path: real, access }), context.signal);
  if (permit.allowed) return undefined;
  return refused(permit, access, real, path);
};

const refused = (permit: Permit, access: PathAccess, real: string, path: WorkPath): ToolResult =>
  toolFailure(permit.message ?? `permission denied: ${access} ${real} (${permit.rule})`, {
    resolvedPath: path.resolvedPath,
    realPath: real,
    permission: "denied",
    rule: permit.rule,
  });

const lstatIfThere = async (path: string): Promise<Stats | undefined> => {
  try {
    return await lstat(path);
  } catch (error) {
    if (isErrnoError(error) && error.code === "ENOENT") return undefined;
    throw error;
  }
};

/** Settles as `work` does, or rejects with an abort error when `signal` aborts first. */
const untilAborted = <T>(work: Promise<T>, signal: AbortSignal): Promise<T> => {
  const aborted = (): Error => (signal.reason instanceof Error ? signal.reason : new DOMException("The tool call was aborted.", "AbortError"));
  if (signal.aborted) return Promise.reject(aborted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(aborted());
    signal.addEventListener("abort", onAbort, { once: true });
    void work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
};
