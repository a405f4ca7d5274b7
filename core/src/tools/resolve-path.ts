import { isAbsolute, relative, resolve, sep } from "node:path";

/** Resolves a tool's path argument: relative paths against `workDir`, absolute paths as given. */
export const resolvePath = (workDir: string, path: string): string => (isAbsolute(path) ? resolve(path) : resolve(workDir, path));

/**
 * How a tool shows a path back to the model: relative to `workDir` when inside it, so the
 * model can pass it straight to the next tool call; absolute otherwise.
 */
export const displayPath = (workDir: string, absolutePath: string): string => {
  const rel = relative(resolve(workDir), absolutePath);
  if (rel === "") return ".";
  const outside = rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel);
  return outside ? absolutePath : rel;
};
