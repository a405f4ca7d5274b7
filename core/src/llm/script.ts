/**
 * A script for the scripted model: the replies it gives, in order, optionally per chart state.
 */
import type { LlmErrorCategory } from "./llm-error.js";
import type { ModelDelta, ModelRequest, StopReason, Usage } from "./protocol.js";

export interface ScriptDelta {
  text: string;
  /** Wait this long before emitting the fragment. */
  afterMs?: number;
  /** Default "text". */
  kind?: ModelDelta["kind"];
}

export interface ScriptToolCall {
  name: string;
  input?: unknown;
  /** Default: the model's id generator. */
  id?: string;
}

/** A call of an event tool: a tool named after a chart event, whose input is the event payload. */
export interface ScriptEventCall {
  name: string;
  payload?: unknown;
  id?: string;
}

/** Every field present must hold for the request. */
export interface RequestMatcher {
  model?: string;
  stateId?: string;
  turn?: number;
  stream?: boolean;
  /** Text (or tool-result output) of the last user message contains this. */
  lastUserIncludes?: string;
  systemIncludes?: string;
  /** Names of tools that must be offered. */
  toolsInclude?: readonly string[];
}

/** Return false (or throw, with a reason) to reject the request. */
export type RequestPredicate = (request: ModelRequest) => boolean;

export type RequestExpectation = RequestMatcher | RequestPredicate;

type ReplyText = { text?: string; deltas?: never } | { deltas: readonly ScriptDelta[]; text?: never };

export type ReplyStep = ReplyText & {
  /** Wait this long before the first fragment. */
  firstTokenMs?: number;
  thinking?: string;
  toolCalls?: readonly ScriptToolCall[];
  events?: readonly ScriptEventCall[];
  /** Default: "tool_use" when the reply calls tools, else "end_turn". */
  stopReason?: StopReason;
  /** Merged over the derived usage. */
  usage?: Partial<Usage>;
  expect?: RequestExpectation;
  error?: never;
  afterMs?: never;
};

export interface ScriptError {
  category: LlmErrorCategory;
  message: string;
  status?: number;
  retryAfterMs?: number;
}

/** The call rejects with `LlmError(error.category, ...)`. */
export interface ErrorStep {
  error: ScriptError;
  /** Wait this long before failing. */
  afterMs?: number;
  expect?: RequestExpectation;
}

export type StaticStep = ReplyStep | ErrorStep;

/** Computes the step from the request at call time. */
export type StepFunction = (request: ModelRequest) => StaticStep;

export type Step = StaticStep | StepFunction;

export type StepList = readonly Step[];

/** One step list per conversation, picked by `request.origin.stateId`. */
export interface ByStateScript {
  byState: Readonly<Record<string, StepList>>;
  /** Used for states without their own list. */
  default?: StepList;
}

export type Script = StepList | ByStateScript;

export const isErrorStep = (step: StaticStep): step is ErrorStep => step.error !== undefined;

export const isByStateScript = (script: Script): script is ByStateScript => !Array.isArray(script);

const quoted = (text: string, max = 40): string => JSON.stringify(text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** One line naming what a step does, e.g. `text "Done." + toolCalls [write_file]`. */
export const describeStep = (step: Step): string => {
  if (typeof step === "function") return "function step";
  if (isErrorStep(step)) return `error ${step.error.category} ${quoted(step.error.message)}`;
  const parts: string[] = [];
  if (step.thinking !== undefined) parts.push(`thinking ${quoted(step.thinking)}`);
  if (step.text !== undefined) parts.push(`text ${quoted(step.text)}`);
  if (step.deltas !== undefined) {
    parts.push(`deltas(${step.deltas.length}) ${quoted(step.deltas.map((delta) => delta.text).join(""))}`);
  }
  if (step.toolCalls?.length) parts.push(`toolCalls [${step.toolCalls.map((call) => call.name).join(", ")}]`);
  if (step.events?.length) parts.push(`events [${step.events.map((event) => event.name).join(", ")}]`);
  return parts.length > 0 ? parts.join(" + ") : "empty reply";
};
