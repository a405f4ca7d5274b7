export { converse, conversationLogic, defaultMaxTurns, type ConversationParams, type ConversationInput, type ConversationSnapshot } from "./conversation.js";
export type { ConversationState } from "./conversation-state.js";
export { askHuman, humanInputLogic, type HumanInputParams } from "./human-input.js";
export { tellLlm, captureArtifact, updateProgress, fromArtifacts, type ChartAction } from "./actions.js";
export { eventToolName, eventTools, checkEventPayload, type AllowedEvent, type AllowedEvents } from "./event-tools.js";
export { defineChart, inlineActors, type ChartDefinition } from "./define-chart.js";
export { bindRunServices, runServicesOf, type RunServices, type InflightTracker, type ChildRunHost } from "./run-services.js";
export type { Param, ParamArgs } from "./param.js";
