/** Project configuration: `.escapement.json`, its aliases, providers and credentials. */
export { CONFIG_FILE_NAME, findProjectConfig, loadProjectConfig, readTextFileSync, displayPath } from "./load.js";
export type { FindProjectConfigOptions, LoadProjectConfigOptions, LoadedProjectConfig } from "./load.js";
export { parseProjectConfig, knownProviderNames } from "./validate.js";
export { resolveProviders, type Env, type ReadTextFile, type ResolvedProvider, type ResolveProvidersOptions } from "./providers.js";
export { resolveAlias, aliasNames } from "./aliases.js";
export { ConfigError, isConfigError, formatKeyPath, type ConfigIssue } from "./config-error.js";
export { Secret, isSecret } from "./secret.js";
export { keyStorePaths, keyEnvVars } from "./key-store-paths.js";
export { providerKinds, builtinProviderKinds, kindDefaults, ollamaBaseURL, type ProviderKind, type KindDefaults } from "../llm/providers/provider-kinds.js";
export {
  projectConfigSchema,
  modelTargetSchema,
  credentialDescriptorSchema,
  credentialSourceSchema,
  mcpServerSchema,
  mcpServerNamePattern,
  middlewareModuleSchema,
  emptyProjectConfig,
  type ProjectConfig,
  type ProjectConfigInput,
  type CredentialDescriptor,
  type CredentialSource,
  type McpServerConfig,
  type MiddlewareModuleConfig,
} from "./schema.js";
export { buildConfigJsonSchema, serializeConfigJsonSchema, CONFIG_SCHEMA_ID, CONFIG_SCHEMA_FILE } from "./json-schema.js";
