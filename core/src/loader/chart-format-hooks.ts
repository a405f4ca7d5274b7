/**
 * Module loader hooks for chart modules (registered by `load-chart.ts` with `module.register`).
 *
 * Charts are written as ES modules (`import { defineChart } from "@escapement/core"`), but a
 * project made by `npm init` says `"type": "commonjs"`, which makes Node (and tsx) load a `.ts` or
 * `.js` chart as CommonJS: the chart then fails (`Cannot require() ES Module … in a cycle`), or
 * tsx turns the core into a second, CommonJS copy whose runner the chart cannot see. A project
 * file (outside node_modules) that Node would load as CommonJS but that is written with
 * `import` / `export` is loaded as an ES module instead. Node's own syntax detection does this
 * only for files whose package.json has no "type", and is not exposed as an API.
 * @internal
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** An `import` or `export` statement at the start of a line. */
const moduleSyntax = /^[ \t]*(?:import[\s{*"'(]|export[\s{*])/m;

/** @internal A file of the user's project written as an ES module that Node would load as CommonJS. */
export function isModuleWrittenAsCommonJs(url: string, format: string | null | undefined, readSource: (path: string) => string): boolean {
  if (format !== "commonjs" || !url.startsWith("file:") || url.includes("/node_modules/")) return false;
  return moduleSyntax.test(readSource(fileURLToPath(url)));
}

interface LoadContext {
  format?: string | null | undefined;
  [key: string]: unknown;
}

/** @internal Node's `load` hook. */
export async function load(url: string, context: LoadContext, nextLoad: (url: string, context: LoadContext) => Promise<unknown>): Promise<unknown> {
  if (isModuleWrittenAsCommonJs(url, context.format, (path) => readFileSync(path, "utf8"))) return nextLoad(url, { ...context, format: "module" });
  return nextLoad(url, context);
}
