import { realpathSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { compilePolicy } from "./compile-policy.js";
import type { PermissionPolicy } from "./permission-policy.js";

/** The policy with no user rules, for `workDir` (its real path when it exists). */
export const defaultPolicy = (workDir: string): PermissionPolicy => compilePolicy({ workRoot: realWorkRoot(workDir) });

/**
 * The real path of a directory or file (symlinks resolved); for a path that does not exist yet,
 * the real path of its deepest existing ancestor joined with the rest.
 */
export const realWorkRoot = (path: string): string => {
  const absolute = resolve(path);
  try {
    return realpathSync.native(absolute);
  } catch {
    const parent = dirname(absolute);
    return parent === absolute ? absolute : join(realWorkRoot(parent), basename(absolute));
  }
};
