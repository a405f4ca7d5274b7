/** The hosted facade `run(options)` and the public event stream. */
export { run, type RunHandle, type RunOutcome } from "./run.js";
export {
  validateOptions,
  runOptionsSchema,
  runOptionNames,
  RunOptionsError,
  isRunOptionsError,
  type RunOptions,
  type OptionIssue,
  type ValidateOptionsResult,
} from "./options.js";
export type { Credentials } from "./hermetic-model.js";
export type { ModelMiddleware, ModelMiddlewareEntry } from "../llm/providers/middleware.js";
export type { StepHooks, StepInfo, StepStart, StepFinish, ConversationStart, ConversationEnd } from "../engine/step-hooks.js";
export { mapTranscriptRow, createPublicEventMapper, initialPublicEventState, publicEventsOf, type PublicEventState, type MappedRow } from "./public-events.js";
export { serveAgUi, startAgUiServer, type AgUiServer, type AgUiServerOptions } from "./ag-ui-server.js";
export { createAgUiMapper, AG_UI_HUMAN_PROMPT, AG_UI_HUMAN_ANSWER, AG_UI_ANSWER_REFUSED, type AgUiMapperOptions, type AgUiChartState } from "./ag-ui-events.js";
export {
  validatePublicEvent,
  publicEventTypes,
  publicEventSchemas,
  terminalPublicEventTypes,
  isPublicEventType,
  PublicEvent,
  type PublicEventType,
  type PublicEventOf,
  type PublicEventMap,
  type PublicEventIssue,
  type PublicEventResult,
} from "@escapement/wire-schema";
