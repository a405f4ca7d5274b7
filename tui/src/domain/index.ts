/** The TUI's domain: a pure store from wire frames to view state, and selectors over it. */
export { applyFrame, applyFrames } from "./apply-frame.ts";
export { initialViewState, DEFAULT_VIEW_OPTIONS } from "./view-state.ts";
export type { ViewState, ViewOptions, RunView, PhaseView, ChildSessionView, ArtifactView, WireErrorView } from "./view-state.ts";
export type { ConversationView, ConversationStatus, TokenUsage } from "./conversation.ts";
export { LANES, laneOf, isErrorish, type Lane } from "./lane.ts";
export { LOG_TEXT_MAX, summarize, type LogRow } from "./log-row.ts";
export { logLength, logAt, logSlice, logTotal, type BoundedLog } from "./bounded-log.ts";
export * from "./selectors.ts";
