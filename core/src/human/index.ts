export type { HumanRenderer, PromptAnswer, PromptRequest } from "./human-renderer.js";
export { answerSchema, answerJsonSchema } from "./answer-schema.js";
export { requestHumanInput, type PromptSpec, type HumanInputDeps } from "./request-input.js";
export { ScriptedHuman, RecordedHuman, recordedAnswers, type RecordedPromptRow } from "./scripted-human.js";
export { StdinHuman, type StdinHumanOptions } from "./stdin-human.js";
export { firstAnswer } from "./first-answer.js";
export { InboxHuman, type InboxHumanOptions } from "./inbox-human.js";
export { pendingPrompts, answersTaken } from "./pending-prompts.js";
