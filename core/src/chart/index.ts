export { converse, conversationLogic, defaultMaxTurns, type ConversationParams, type ConversationInput, type ConversationSnapshot } from "./conversation.js";
export type { ConversationState } from "./conversation-state.js";
export { askHuman, humanInputLogic, type HumanInputParams } from "./human-input.js";
export { tellLlm, captureArtifact, updateProgress, fromArtifacts, type ChartAction } from "./actions.js";
export { eventToolName, eventTools, checkEventPayload, type AllowedEvent, type AllowedEvents } from "./event-tools.js";
export { defineEvents, type DefinedEvent, type DefinedEvents, type EventOf, type EventsOf } from "./define-events.js";
export type { EndTurnEvent, LlmErrorEvent, HumanCancelledEvent, ToolLoopEvent } from "./builtin-events.js";
export { inlineActors } from "./inline-actors.js";
export type { Param, ParamArgs } from "./param.js";
