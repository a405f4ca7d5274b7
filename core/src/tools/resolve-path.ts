import { isAbsolute, relative, resolve, sep } from "node:path";

/**
 * Makes a tool's path argument absolute: relative paths against `workDir`, absolute paths as
 * given, ".." segments folded lexically. Symlinks are not resolved here: `locatePath` does that,
 * and the permission policy, not this function, decides whether the result may be touched.
 */
export const resolvePath = (workDir: string, path: string): string => (isAbsolute(path) ? resolve(path) : resolve(workDir, path));

/** Whether `path` is `root` or below it (both absolute; compared as written, so pass real paths to judge real places). */
export const isInside = (root: string, path: string): boolean => {
  const rel = relative(root, path);
  return rel === "" || !(rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel));
};

/**
 * How a tool shows a path back to the model: relative to `workDir` when inside it, so the
 * model can pass it straight to the next tool call; absolute otherwise.
 */
export const displayPath = (workDir: string, absolutePath: string): string => {
  const root = resolve(workDir);
  if (!isInside(root, absolutePath)) return absolutePath;
  return relative(root, absolutePath) || ".";
};
