/** Model calls for chart code and host scripts: results as values, bounded fan-out, model election. */
export { ask, askRequest, promptMessages, type AskOptions, type Prompt } from "./ask.js";
export { mapPrompt, type MapPromptOptions, type MapResult } from "./map-prompt.js";
export { electModel, defaultProbe, type Election, type ElectionTry, type ElectOptions } from "./elect.js";
export { statusOf, textOf, type ResultEnvelope, type ResultError, type ResultStatus } from "./envelope.js";
