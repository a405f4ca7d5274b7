/**
 * What a replay bench measures: a checkout of the repository (this one, or another given with
 * `--against <dir>`, e.g. an unpacked older commit whose node_modules link to this one's), so two
 * versions run side by side in one process under the same load.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

export interface Subject {
  name: string;
  root: string;
  /** Imports `<root>/<path>`. */
  load<T = Record<string, unknown>>(path: string): Promise<T>;
  /** The CLI entry point. */
  bin: string;
}

export const here = resolve(import.meta.dirname, "../..");

export function subject(name: string, root: string): Subject {
  const absolute = resolve(root);
  const bin = join(absolute, "core/bin/escapement.mjs");
  if (!existsSync(bin)) throw new Error(`${absolute} is not a checkout of this repository (no core/bin/escapement.mjs)`);
  return { name, root: absolute, bin, load: (path) => import(pathToFileURL(join(absolute, path)).href) };
}

/**
 * Which CLI `open` runs in this checkout: the built one in core/dist (`npm ci` builds it; the
 * launcher runs nothing else), or, in an older checkout, the compiled CLI while fresh, else the sources.
 */
export async function cliBuildOf(subject: Subject): Promise<string> {
  const launcher = join(subject.root, "core/bin/compiled-cli.mjs");
  if (!existsSync(launcher)) return existsSync(join(subject.root, "core/dist/cli/main.js")) ? "built CLI (core/dist)" : "CLI not built: run npm run build";
  const { compiledIsFresh } = (await import(pathToFileURL(launcher).href)) as { compiledIsFresh: (distDir: string, root: string) => boolean };
  return compiledIsFresh(join(subject.root, "core/dist/cli"), subject.root) ? "compiled CLI" : "CLI from source: no fresh build, run npm run prepare";
}
