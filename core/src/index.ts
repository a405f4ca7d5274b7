export * from "./chart/index.js";
export * from "./runtime/index.js";
export * from "./llm/index.js";
export * from "./tools/index.js";
export * from "./human/index.js";
export * from "./templates/index.js";
export * from "./debug/index.js";
export * from "./wire/index.js";
export * from "./fleet/index.js";
export * from "./pool/index.js";
export * from "./lib/index.js";
export {
  parseProjectConfig,
  knownProviderNames,
  ConfigError,
  isConfigError,
  Secret,
  isSecret,
  type ProjectConfig,
  type ProjectConfigInput,
  type CredentialDescriptor,
  type ConfigIssue,
} from "./config/index.js";
