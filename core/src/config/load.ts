/**
 * Finding and loading `.escapement.json`. Everything outside is injected: the working directory,
 * the environment (as data), and file reading. Nothing here reads `process.env` or keeps state
 * between calls, so two runs in one process load independently.
 */
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { ConfigError } from "./config-error.js";
import { resolveProviders, type Env, type ReadTextFile, type ResolvedProvider } from "./providers.js";
import { emptyProjectConfig, type ProjectConfig } from "./schema.js";
import { parseProjectConfig } from "./validate.js";

export const CONFIG_FILE_NAME = ".escapement.json";

/** `readFileSync` as UTF-8, `undefined` when the file (or a directory on its path) does not exist. */
export const readTextFileSync: ReadTextFile = (path) => {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw error;
  }
};

export interface FindProjectConfigOptions {
  readFile?: ReadTextFile;
}

interface FoundConfig {
  path: string;
  text: string;
}

const locate = (cwd: string, readFile: ReadTextFile): FoundConfig | undefined => {
  let dir = resolve(cwd);
  for (;;) {
    const path = join(dir, CONFIG_FILE_NAME);
    const text = readConfigFile(path, readFile, cwd);
    if (text !== undefined) return { path, text };
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
};

const readConfigFile = (path: string, readFile: ReadTextFile, cwd: string): string | undefined => {
  try {
    return readFile(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigError(displayPath(path, cwd), [{ path: "(root)", message: `cannot read: ${reason}` }], { cause: error });
  }
};

/**
 * The nearest `.escapement.json`: in `cwd`, else its parent, and so on up to the filesystem root.
 * `undefined` when there is none.
 */
export const findProjectConfig = (cwd: string, options: FindProjectConfigOptions = {}): string | undefined =>
  locate(cwd, options.readFile ?? readTextFileSync)?.path;

export interface LoadProjectConfigOptions {
  /** Where the search starts; also what shown paths are relative to. */
  cwd: string;
  /** The environment, as data (e.g. `CliIo.env`). */
  env: Env;
  /** Default: `readFileSync`, with a missing file as `undefined`. */
  readFile?: ReadTextFile;
  /** Load this file instead of searching (e.g. a `--config` flag); a missing file is an error. */
  configPath?: string;
  /** `~` in key store paths. Default: `env.HOME`, else `env.USERPROFILE`. */
  homeDir?: string;
}

export interface LoadedProjectConfig {
  config: ProjectConfig;
  /** Absolute path of the file loaded; `undefined` when none was found (the config is then empty). */
  path: string | undefined;
  /** Credentials entries in order, then the built-in kinds they do not replace. */
  providers: ResolvedProvider[];
}

/**
 * Finds, parses, validates and resolves the project config. Throws `ConfigError` (every problem
 * with its key path) on bad input; never returns a half-valid config. Key store files are read
 * here, each at most once; nothing is cached across calls.
 */
export const loadProjectConfig = (options: LoadProjectConfigOptions): LoadedProjectConfig => {
  const readFile = options.readFile ?? readTextFileSync;
  const cwd = resolve(options.cwd);
  let found: FoundConfig | undefined;
  if (options.configPath !== undefined) {
    const path = resolve(cwd, options.configPath);
    const text = readConfigFile(path, readFile, cwd);
    if (text === undefined) throw new ConfigError(displayPath(path, cwd), [{ path: "(root)", message: "file not found" }]);
    found = { path, text };
  } else {
    found = locate(cwd, readFile);
  }
  const file = found ? displayPath(found.path, cwd) : CONFIG_FILE_NAME;
  const config = found ? parseProjectConfig(found.text, file) : emptyProjectConfig();
  const homeDir = options.homeDir ?? (options.env.HOME || options.env.USERPROFILE || undefined);
  const providers = resolveProviders(config, {
    env: options.env,
    readFile,
    baseDir: found ? dirname(found.path) : cwd,
    ...(homeDir ? { homeDir } : {}),
    file,
  });
  return { config, path: found?.path, providers };
};

/** A path as the user best recognises it: relative to `cwd` when it is inside or at most two levels above it. */
export const displayPath = (path: string, cwd: string): string => {
  const rel = relative(cwd, path);
  const climbs = rel.split(sep).filter((part) => part === "..").length;
  return rel !== "" && !isAbsolute(rel) && climbs <= 2 ? rel : path;
};
