import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/**
 * Whether the compiled CLI in `distDir` (core/scripts/build-cli.mjs writes it, with a
 * sources.json stamp) exists and no source it was built from changed since it was built. An
 * edited checkout, a missing build or an unreadable stamp all answer false: run from source.
 */
export function compiledIsFresh(distDir, root) {
  const stamp = join(distDir, "sources.json");
  if (!existsSync(join(distDir, "main.js")) || !existsSync(stamp)) return false;
  try {
    const { builtAt, sources } = JSON.parse(readFileSync(stamp, "utf8"));
    if (typeof builtAt !== "number" || !Array.isArray(sources) || sources.length === 0) return false;
    return sources.every((source) => {
      const stat = statSync(join(root, source), { throwIfNoEntry: false });
      return stat !== undefined && stat.mtimeMs < builtAt;
    });
  } catch {
    return false;
  }
}
