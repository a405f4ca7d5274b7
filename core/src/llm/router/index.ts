export { createModelRouter, realSleep, type ModelRouter, type ModelRouterOptions, type NeedsFilter, type RouterSleep } from "./router.js";
export {
  defaultResilience,
  defaultRetry,
  parseResiliencePolicy,
  resiliencePolicySchema,
  resolveResilience,
  ResiliencePolicyError,
  type ResiliencePolicy,
  type ResolvedResilience,
  type TargetRef,
} from "./policy.js";
export { backoffDelay } from "./backoff.js";
export { StreamGuard, type GuardedTry } from "./stream-guard.js";
export { addUsage, contextUsed, costOf, defaultCostUsd, tokensInContext, type CostFunction, type TargetFacts, type TargetPricing } from "./metrics.js";
export { preferredAliases, preferencesOf, type AliasPreferences, type PreferredOptions, type Ratings } from "./preferred-aliases.js";
