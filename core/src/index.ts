/**
 * @escapement/core: what programs that author and run charts use. Every name here is part of the
 * package's semver contract. Advanced pieces without that promise are in `@escapement/core/unstable`.
 */

// Authoring charts: the definition, conversations, human input, chart actions, fleets of child sessions.
export {
  defineChart,
  type ChartDefinition,
  type ChartSimulation,
  type ChartProperty,
  type ChartView,
  type PayloadArbitrary,
  type ArbitraryView,
} from "./engine/index.js";
export { inlineActors, type Param, type ParamArgs } from "./chart/index.js";
export { converse, type ConversationParams, type AllowedEvent, type AllowedEvents } from "./chart/index.js";
export { defineEvents, type DefinedEvent, type DefinedEvents, type EventOf, type EventsOf } from "./chart/index.js";
export type { EndTurnEvent, LlmErrorEvent, HumanCancelledEvent, ToolLoopEvent } from "./chart/index.js";
export { askHuman, type HumanInputParams } from "./chart/index.js";
export { tellLlm, compact, captureArtifact, updateProgress, fromArtifacts, type ChartAction } from "./chart/index.js";
export { defaultCompaction, defaultCompactionPrompt, type CompactionParam, type CompactionSettings } from "./chart/index.js";
export {
  spawnChildren,
  tellChild,
  type SpawnChildrenParams,
  type FleetChildResult,
  type ChildStatus,
  type ChildError,
  type ChildTarget,
} from "./fleet/index.js";

// Prompt files and their errors.
export { loadPromptTemplate, TemplateError, type TemplateErrorCategory } from "./templates/index.js";

// Running a chart: the `run()` facade, its options, handle and outcome.
export {
  run,
  validateOptions,
  RunOptionsError,
  isRunOptionsError,
  type RunHandle,
  type RunOutcome,
  type RunOptions,
  type OptionIssue,
  type ValidateOptionsResult,
  type Credentials,
  type ModelMiddleware,
  type ModelMiddlewareEntry,
  type StepHooks,
  type StepInfo,
  type StepStart,
  type StepFinish,
  type ConversationStart,
  type ConversationEnd,
} from "./lib/index.js";
export type { RunStatus, SteerResult, SteerRefusal } from "./engine/index.js";
export {
  SessionError,
  systemClock,
  sequentialIds,
  createLogger,
  type SessionErrorCode,
  type Clock,
  type IdSource,
  type Logger,
  type LogLevel,
} from "./runtime/index.js";

// Answering prompts: the renderer interface and the ready-made renderers.
export { ScriptedHuman, StdinHuman, type HumanRenderer, type PromptRequest, type PromptAnswer } from "./human/index.js";

// Public events: the stream a run reports, and the same stream from a saved session.
export {
  publicEventTypes,
  publicEventsOf,
  mapTranscriptRow,
  createPublicEventMapper,
  initialPublicEventState,
  type PublicEvent,
  type PublicEventType,
  type PublicEventOf,
  type PublicEventState,
  type MappedRow,
} from "./lib/index.js";
export { readTranscript, readBlob, type ReadTranscriptOptions, type ReadIssue, type TranscriptRow } from "./runtime/index.js";

// A run as an AG-UI event stream over HTTP (server-sent events), for AG-UI clients.
export {
  serveAgUi,
  startAgUiServer,
  createAgUiMapper,
  AG_UI_HUMAN_PROMPT,
  AG_UI_HUMAN_ANSWER,
  AG_UI_ANSWER_REFUSED,
  type AgUiServer,
  type AgUiServerOptions,
  type AgUiMapperOptions,
  type AgUiChartState,
} from "./lib/index.js";

// Where sessions live: the store a run writes through (`run({ store })`), and moving sessions between stores.
export {
  diskStore,
  memoryStore,
  postgresStore,
  type SessionStore,
  type SessionWriter,
  type SessionFile,
  type DiskStoreOptions,
  type MemoryStoreOptions,
  type PostgresStoreOptions,
  memoryInbox,
  type SessionInbox,
  type InboxMessage,
  type InboxEntry,
} from "./store/index.js";
export { exportStoredSession, importIntoStore } from "./sessions/index.js";

// Many independent sessions on worker threads.
export { SessionPool, type SessionPoolOptions, type PoolJob } from "./pool/index.js";

// Runs on workers of many machines, through the job queue of a Postgres store.
export { submitRun, startWorker, type SubmitRunOptions, type SubmittedRun, type StartWorkerOptions, type QueueWorker } from "./pool/index.js";

// Answering a session's prompt from outside its run (through the store's inbox); parked sessions.
export { answerPrompt, AnswerError, ParkingLot, type AnswerPromptOptions, type AnsweredPrompt, type ParkingLotOptions } from "./pool/index.js";
export { InboxHuman, type InboxHumanOptions } from "./human/index.js";
export type { ParkedOn } from "./runtime/session-dir.js";

// Tools: defining your own, the registry, the built-in tools.
export {
  defineTool,
  ToolRegistry,
  DuplicateToolError,
  UnknownToolError,
  builtinTools,
  createBuiltinTools,
  createDefaultRegistry,
  type Tool,
  type ToolContext,
  type ToolResult,
  type BuiltinToolOptions,
  type FsGlobOptions,
  type FsGrepOptions,
  type ShellRunOptions,
  type WebFetchOptions,
  type ToolDispatchSettings,
} from "./tools/index.js";

// Permissions: what tools may touch (rules, decisions, the sandbox), and how a tool asks.
export { permitOf, type ShellSandbox } from "./tools/index.js";
export {
  PermissionRulesError,
  permissionDecisions,
  sandboxModes,
  type PermissionRules,
  type PermissionDecision,
  type PermissionTarget,
  type PathAccess,
  type Permit,
  type PermitFn,
  type SandboxMode,
  type SandboxSettingsInput,
} from "./permissions/index.js";

// The model protocol: what a model client takes and returns, and its categorized error.
export {
  LlmError,
  isLlmError,
  type ModelClient,
  type ModelRequest,
  type ModelResponse,
  type CallOptions,
  type ModelMessage,
  type ContentBlock,
  type ImageSource,
  type ModelDelta,
  type GenerationParams,
  type PromptCaching,
  type RequestOrigin,
  type StopReason,
  type ToolSpec,
  type Usage,
  type LlmErrorCategory,
  type LlmAttempt,
} from "./llm/index.js";

// The scripted model: answers from a script, no provider, no key.
export {
  scriptedModel,
  ScriptedModel,
  readScriptFile,
  parseScript,
  ScriptParseError,
  type ScriptedModelOptions,
  type PendingStep,
  type ScriptIssue,
  type Script,
  type ByStateScript,
  type StepList,
  type Step,
  type StaticStep,
  type StepFunction,
  type ReplyStep,
  type ErrorStep,
  type ScriptDelta,
  type ScriptToolCall,
  type ScriptEventCall,
  type ScriptError,
  type RequestExpectation,
  type RequestMatcher,
  type RequestPredicate,
} from "./llm/index.js";

// Cassettes: every run records its model calls in <session dir>/cassette.jsonl; a cassette model replays them.
export {
  loadCassette,
  CassetteModel,
  recordingModel,
  CassetteWriter,
  type LoadedCassette,
  type CassetteModelOptions,
  type CassetteHeader,
  type CassetteCall,
} from "./llm/cassette/index.js";

// Record and replay for any AI SDK app: the middleware for `wrapLanguageModel`, on the same cassette format.
export { recordReplay, CassetteMissError, type RecordReplayOptions } from "./llm/record-replay/index.js";

// Providers: a client for one concrete model, from a provider kind or a host's own AI SDK model.
export {
  createTargetClient,
  languageModelTargetClient,
  classifyError,
  type ModelTarget,
  type TargetClient,
  type ProviderSpec,
  type TargetClientOptions,
  type LanguageModelSource,
} from "./llm/index.js";

// The model router: aliases over targets, with retries, failover, latency switches and the needs filter
// (public as `NeedsGate`).
export {
  createModelRouter,
  preferredAliases,
  resiliencePolicySchema,
  ResiliencePolicyError,
  type PreferredOptions,
  type ModelRouter,
  type ModelRouterOptions,
  type NeedsFilter as NeedsGate,
  type ResiliencePolicy,
  type TargetFacts,
} from "./llm/index.js";

// The model catalog: facts, prices and the needs filter.
export {
  catalogFromConfig,
  lookupModel,
  costUsd,
  filterTargets,
  type Catalog,
  type ModelFacts,
  type Needs,
  type Eligibility,
  type Rejection,
  type FilterTargetsOptions,
} from "./llm/catalog/index.js";

// Model calls from host code: results as values, bounded fan-out, model election.
export {
  ask,
  mapPrompt,
  electModel,
  type AskOptions,
  type Prompt,
  type MapPromptOptions,
  type MapResult,
  type ElectOptions,
  type Election,
  type ElectionTry,
  type ResultEnvelope,
  type ResultStatus,
  type ResultError,
} from "./llm/script-api/index.js";

// Project configuration: the `.escapement.json` shape, loading and validating it, aliases, secrets.
export {
  parseProjectConfig,
  loadProjectConfig,
  resolveAlias,
  knownProviderNames,
  ConfigError,
  isConfigError,
  Secret,
  isSecret,
  type ProjectConfig,
  type ProjectConfigInput,
  type CredentialDescriptor,
  type LoadProjectConfigOptions,
  type LoadedProjectConfig,
  type ResolvedProvider,
  type ConfigIssue,
} from "./config/index.js";
