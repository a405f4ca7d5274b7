export { createTargetClient, languageModelTargetClient, providerOptionsFor, defaultThinkingBudget } from "./target-client.js";
export { classifyError, categoryOfStatus, parseRetryAfter } from "./classify.js";
export { defaultBaseURLs, languageModelFor } from "./models.js";
export { resolvePromptCaching, type CacheBreakpoints } from "./caching.js";
export {
  providerKinds,
  type FetchFunction,
  type LanguageModelSource,
  type ProviderKind,
  type ProviderSpec,
  type SecretLike,
  type TargetClientOptions,
} from "./types.js";
