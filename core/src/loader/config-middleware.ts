/**
 * The model middleware a project config names (`.escapement.json` `middleware`): each module is
 * imported the way a chart is, and its default export (a middleware, an entry, or an array of
 * them) becomes named entries for the models built from the config. Any problem is a
 * `ConfigError`: one line naming the config file, the key path and the module.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { ConfigError, displayPath, formatKeyPath, type LoadedProjectConfig, type MiddlewareModuleConfig } from "../config/index.js";
import { knownList } from "../config/config-error.js";
import { isMiddlewareEntry, middlewareProblem, type ModelMiddlewareEntry } from "../llm/providers/middleware.js";
import { importModule } from "./import-module.js";

export interface ConfigMiddlewareOptions {
  /** What shown paths are relative to. */
  cwd: string;
  /** Imports a module by absolute path. Default: as a chart module is imported. */
  importModule?: (path: string) => Promise<Record<string, unknown>>;
}

/** The middleware of `loaded.config.middleware`, in order, each named (by default after its module). */
export async function loadConfigMiddleware(loaded: LoadedProjectConfig, options: ConfigMiddlewareOptions): Promise<ModelMiddlewareEntry[]> {
  const list = loaded.config.middleware;
  if (list.length === 0) return [];
  const file = loaded.path === undefined ? ".escapement.json" : displayPath(loaded.path, options.cwd);
  const baseDir = loaded.path === undefined ? options.cwd : dirname(loaded.path);
  const load = options.importModule ?? ((path: string) => importModule(path));
  const entries: ModelMiddlewareEntry[] = [];
  for (const [index, item] of list.entries()) {
    entries.push(...(await loadOne(item, ["middleware", index], { file, baseDir, aliases: Object.keys(loaded.config.aliases), load })));
  }
  return entries;
}

interface Context {
  file: string;
  baseDir: string;
  aliases: readonly string[];
  load: (path: string) => Promise<Record<string, unknown>>;
}

async function loadOne(item: MiddlewareModuleConfig, at: PropertyKey[], context: Context): Promise<ModelMiddlewareEntry[]> {
  const spec = typeof item === "string" ? item : item.module;
  const keyPath = typeof item === "string" ? at : [...at, "module"];
  const fail = (message: string, cause?: unknown): never => {
    throw new ConfigError(context.file, [{ path: formatKeyPath(keyPath), message: `module ${spec} ${message}` }], { cause });
  };
  const path = resolve(context.baseDir, spec);
  if (!existsSync(path)) fail(`not found (resolved to ${path})`);
  if (statSync(path).isDirectory()) fail(`is a directory (resolved to ${path}); name the module file`);
  let exports: Record<string, unknown>;
  try {
    exports = await context.load(path);
  } catch (error) {
    return fail(`failed to load: ${firstLine(error)}`, error);
  }
  if (!("default" in exports) || exports.default === undefined) {
    return fail("has no default export: export default a LanguageModelMiddleware, an entry { name?, aliases?, middleware }, or an array of them");
  }
  const exported = exports.default;
  const items: unknown[] = Array.isArray(exported) ? exported : [exported];
  if (items.length === 0) fail("exports an empty array: no middleware");
  return items.map((value, position) => {
    const where = Array.isArray(exported) ? `default export [${position}]` : "default export";
    const problem = middlewareProblem(value);
    if (problem) fail(`${where} is no model middleware: ${problem}`);
    const entry: ModelMiddlewareEntry = isMiddlewareEntry(value) ? value : { middleware: value as ModelMiddlewareEntry["middleware"] };
    const own = typeof item === "string" ? undefined : item;
    // The config's aliases win over the module's own: where a middleware applies is the project's call.
    const aliases = own?.aliases ?? entry.aliases;
    for (const alias of own?.aliases ? [] : (entry.aliases ?? [])) {
      if (!context.aliases.includes(alias)) fail(`${where} names unknown alias "${alias}" ${knownList(alias, context.aliases)}`);
    }
    const name = own?.name ?? entry.name ?? (Array.isArray(exported) ? `${spec}[${position}]` : spec);
    return { name, middleware: entry.middleware, ...(aliases ? { aliases } : {}) };
  });
}

/** The first line of a load failure's message: a syntax error's or a throw's, never a stack. */
const firstLine = (error: unknown): string => {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split("\n").find((line) => line.trim() !== "") ?? message).trim();
};
