import { isAbsolute, join, resolve } from "node:path";
import type { ProjectConfig } from "./schema.js";

/** Where the key store files are (`~` is `homeDir`; relative paths are relative to `baseDir`, the config file's directory). */
export const keyStorePaths = (config: Pick<ProjectConfig, "credentialSources">, where: { baseDir: string; homeDir?: string }): string[] =>
  Object.values(config.credentialSources).flatMap(({ file }) => {
    if (file === "~" || file.startsWith("~/")) return where.homeDir === undefined ? [] : [join(where.homeDir, file.slice(1))];
    return [isAbsolute(file) ? file : resolve(where.baseDir, file)];
  });

/** The environment variables the config reads keys from (besides each provider kind's usual one). */
export const keyEnvVars = (config: Pick<ProjectConfig, "credentials">): string[] =>
  config.credentials.flatMap((descriptor) => (descriptor.apiKeyEnv ? [descriptor.apiKeyEnv] : []));
