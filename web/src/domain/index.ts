export { applyFrame, isStream } from "./apply-frame.js";
export { initialViewState, type ViewState, type RunView, type PhaseView } from "./view-state.js";
export type { ConversationView } from "./conversation.js";
export type { LogRow, BlobLink } from "./log-row.js";
export { blobDocument } from "./blob-document.js";
export { promptAnswer, type PromptDraft } from "./prompt-answer.js";
