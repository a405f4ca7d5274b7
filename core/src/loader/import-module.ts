/**
 * Importing a module of the user's project the way a chart is imported: TypeScript and the module
 * format hooks included.
 */
import { register } from "node:module";
import { pathToFileURL } from "node:url";

/** A module written in TypeScript: `.ts`, `.mts`, `.cts` (and the JSX variants). */
const isTypeScript = (path: string): boolean => /\.[cm]?tsx?$/.test(path);

/**
 * Imports a module of the user's project (a chart, a model middleware). TypeScript needs a loader:
 * tsx, registered for the process the first time such a module is loaded (commands that load none
 * never load it), with hooks that load a module written as an ES module as one whatever its
 * package.json "type" says (`chart-format-hooks.ts`). When the core itself runs from its
 * TypeScript sources (its tests), a loader is already in place.
 */
export async function importModule(path: string, beforeHooks?: () => Promise<unknown>): Promise<Record<string, unknown>> {
  if (!import.meta.url.endsWith(".ts")) {
    await beforeHooks?.();
    await registerChartLoader(isTypeScript(path));
  }
  return (await import(pathToFileURL(path).href)) as Record<string, unknown>;
}

let registered: { typeScript: boolean; formats: boolean } = { typeScript: false, formats: false };

async function registerChartLoader(typeScript: boolean): Promise<void> {
  if (typeScript && !registered.typeScript) {
    const { register } = await import("tsx/esm/api");
    register();
    registered = { ...registered, typeScript: true };
  }
  // Registered after tsx, so it runs first and can hand tsx the format.
  if (!registered.formats) {
    register(new URL("./chart-format-hooks.js", import.meta.url));
    registered = { ...registered, formats: true };
  }
}
