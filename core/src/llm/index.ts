export type {
  CallOptions,
  ContentBlock,
  ImageSource,
  ModelClient,
  ModelDelta,
  ModelMessage,
  ModelRequest,
  ModelResponse,
  ReplayedSession,
  RequestOrigin,
  StopReason,
  TargetClient,
  ToolSpec,
  Usage,
} from "./protocol.js";
export type { GenerationParams, PromptCaching } from "./generation-params.js";
export { emptyUsage, stopReasons } from "./protocol.js";
export type { ModelTarget } from "./target.js";
export { LlmError, isLlmError, llmErrorCategories, type LlmAttempt, type LlmErrorCategory } from "./llm-error.js";

export type {
  ByStateScript,
  ErrorStep,
  ReplyStep,
  RequestExpectation,
  RequestMatcher,
  RequestPredicate,
  Script,
  ScriptDelta,
  ScriptError,
  ScriptEventCall,
  ScriptToolCall,
  StaticStep,
  Step,
  StepFunction,
  StepList,
} from "./script.js";
export { ScriptedModel, defaultScriptedAliases, scriptedModel, type PendingStep, type ScriptedModelOptions } from "./scripted-model.js";
export { realClock, virtualClock, type ScriptClock, type VirtualClock } from "./script-clock.js";
export { ScriptParseError, parseScript, readScriptFile, scriptSchema, type ScriptIssue } from "./script-schema.js";
export { describeRequest, estimateTokens } from "./request-summary.js";
export {
  classifyError,
  createTargetClient,
  defaultBaseURLs,
  languageModelTargetClient,
  parseRetryAfter,
  type LanguageModelSource,
  type ProviderSpec,
  type TargetClientOptions,
} from "./providers/index.js";
export {
  createModelRouter,
  preferredAliases,
  type PreferredOptions,
  parseResiliencePolicy,
  resiliencePolicySchema,
  ResiliencePolicyError,
  type ModelRouter,
  type ModelRouterOptions,
  type NeedsFilter,
  type ResiliencePolicy,
  type TargetFacts,
} from "./router/index.js";
export {
  ask,
  electModel,
  mapPrompt,
  type AskOptions,
  type Election,
  type MapPromptOptions,
  type MapResult,
  type Prompt,
  type ResultEnvelope,
  type ResultStatus,
} from "./script-api/index.js";
