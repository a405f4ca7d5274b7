import { keyEnvVars, keyStorePaths } from "../config/key-store-paths.js";
import type { ProjectConfig } from "../config/schema.js";
import { sandboxSettings, type PermissionRules, type RuleLayer, type SandboxSettingsInput } from "../permissions/index.js";
import type { RunChartOptions } from "./run-options.js";
import { toolEnvironment } from "./tool-environment.js";

export interface PermissionSources {
  config: Pick<ProjectConfig, "permissions" | "sandbox" | "credentialSources" | "credentials">;
  /** How the config file is named in rule labels and errors, e.g. ".escapement.json". */
  configLabel: string;
  /** The config file's directory (key store paths are relative to it) and the home directory (`~`). */
  baseDir: string;
  homeDir?: string;
  /** The environment tools' processes start from; provider keys are removed. */
  env: NodeJS.ProcessEnv;
  /** Rules and sandbox settings given to this run (run options, command-line flags): they win ties over the config's. */
  rules?: PermissionRules;
  rulesLabel?: string;
  sandbox?: SandboxSettingsInput;
}

/** The permission half of a run's options, from the project config and what the run was given. */
export const permissionOptions = (sources: PermissionSources): Pick<RunChartOptions, "permissions" | "protectedPaths" | "sandbox" | "toolEnv"> => {
  const layers: RuleLayer[] = [];
  if (Object.keys(sources.config.permissions).length > 0) layers.push({ source: sources.configLabel, rules: sources.config.permissions });
  if (sources.rules !== undefined) layers.push({ source: sources.rulesLabel ?? "run options", rules: sources.rules });
  return {
    permissions: layers,
    protectedPaths: keyStorePaths(sources.config, { baseDir: sources.baseDir, ...(sources.homeDir === undefined ? {} : { homeDir: sources.homeDir }) }),
    sandbox: sandboxSettings(sources.config.sandbox, sources.sandbox),
    toolEnv: toolEnvironment(sources.env, keyEnvVars(sources.config)),
  };
};
