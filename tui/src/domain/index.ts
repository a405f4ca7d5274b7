/** The TUI's domain: a pure store from wire frames to view state, and selectors over it. */
export { applyFrame, applyFrames, applyLocal } from "./apply-frame.ts";
export { initialViewState, DEFAULT_VIEW_OPTIONS } from "./view-state.ts";
export type { ViewState, ViewOptions, RunView, PhaseView, ChildSessionView, ArtifactView, WireErrorView } from "./view-state.ts";
export type { ConversationView, ConversationStatus, TokenUsage, TurnRefs } from "./conversation.ts";
export type { AnswerView, AnswerError, AnswerEvent } from "./answers.ts";
export type { LocalEvent } from "./local-event.ts";
export { lastRefusedSteer, STEERS_KEPT, type SteerSent, type SteerView, type Steers } from "./steers.ts";
export { steerOffered, steerTarget, type SteerTarget } from "./steer-target.ts";
export { LANES, laneOf, isErrorish, type Lane } from "./lane.ts";
export { LOG_TEXT_MAX, summarize, type LogRow } from "./log-row.ts";
export { logLength, logAt, logSlice, logTotal, type BoundedLog } from "./bounded-log.ts";
export { countRows, firstIndex, lastIndex, rowAt, rowsEndingAt, stepIndex, type IndexedRow } from "./log-cursor.ts";
export { filterLogText, rowShowsText, type TextFilteredLog } from "./log-filter.ts";
export { configTree, flattenTree, treePrefix, type ConfigNode } from "./chart-tree.ts";
export * from "./prompt-answer.ts";
export { blobMarkdown, blockMarkdown, fenced, requestMarkdown, responseMarkdown, BLOCK_CHARS_MAX, type BlobKind } from "./blob-document.ts";
export * from "./selectors.ts";
export { playbackPosition, type PlaybackView, type PlaybackPosition } from "./playback.ts";
