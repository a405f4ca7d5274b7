/**
 * Where the browser renderer's built files are: the `@escapement/web` package's `dist`, found by
 * package resolution from the core (or `ESCAPEMENT_WEB_DIST`). Resolved before a run starts, so a
 * missing or unbuilt package is one usage line, not a broken session.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { UsageError } from "../runtime/usage-error.js";

export const WEB_PACKAGE = "@escapement/web";

export function resolveWebDist(env: Readonly<Record<string, string | undefined>>, from: string = import.meta.url): string {
  const override = env.ESCAPEMENT_WEB_DIST;
  if (override) {
    const dir = resolve(override);
    if (!existsSync(join(dir, "index.html")))
      throw new UsageError(`ESCAPEMENT_WEB_DIST=${override} has no index.html; point it at the browser renderer's built files or unset it`);
    return dir;
  }
  let manifest: string;
  try {
    manifest = createRequire(from).resolve(`${WEB_PACKAGE}/package.json`);
  } catch {
    throw new UsageError(`--web needs the browser renderer (${WEB_PACKAGE}), which is not installed; use --listen and another renderer, or install it`);
  }
  const dist = join(dirname(manifest), "dist");
  if (!existsSync(join(dist, "index.html"))) {
    throw new UsageError(`the browser renderer at ${dirname(manifest)} is not built (no dist/index.html); build it with npm run build -w ${WEB_PACKAGE}`);
  }
  return dist;
}

/**
 * The page's address, with the token in the fragment: a browser never sends the fragment to a
 * server, so the token stays out of every HTTP log. A wildcard host is shown as loopback.
 */
export function webUrl(httpUrl: string, token: string): string {
  const url = new URL(httpUrl);
  if (url.hostname === "0.0.0.0") url.hostname = "127.0.0.1";
  if (url.hostname === "[::]") url.hostname = "[::1]";
  return `${url.origin}/#token=${encodeURIComponent(token)}`;
}
