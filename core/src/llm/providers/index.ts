export { createTargetClient, languageModelTargetClient, providerOptionsFor, defaultThinkingBudget } from "./target-client.js";
export { classifyError, categoryOfStatus, parseRetryAfter } from "./classify.js";
export { defaultBaseURLs, languageModelFor } from "./models.js";
export { resolvePromptCaching, type CacheBreakpoints } from "./caching.js";
export { providerKinds, builtinProviderKinds, kindDefaults, ollamaBaseURL, type ProviderKind, type KindDefaults } from "./provider-kinds.js";
export { defaultHeadersTimeoutMs, withHeadersTimeout } from "./timed-fetch.js";
export type { FetchFunction, LanguageModelSource, ProviderSpec, SecretLike, TargetClientOptions, TargetTransport } from "./types.js";
export {
  middlewareFor,
  middlewareProblem,
  nameMiddleware,
  sentRequestOf,
  withMiddleware,
  type ModelMiddleware,
  type ModelMiddlewareEntry,
  type NamedMiddleware,
  type SentRequest,
} from "./middleware.js";
