/**
 * Step and conversation hooks: host code around each model step of every conversation of a run.
 *
 * - `onStepStart` runs before a step's request is recorded and sent: it may return a changed
 *   request (add a note, redact), which is what the `llm/request` row, the io blob and the cassette
 *   hold and what the model gets. Its origin stays the step's.
 * - `onStepFinish` sees the request and the model's response once the response is recorded.
 * - `onConversationStart` / `onConversationEnd` observe each conversation's start and end (its
 *   `llm/conversation-started` and `llm/conversation-ended` rows).
 *
 * An `onStepStart` that throws (or returns something that is not a request) fails that step as a
 * model failure naming the hook (`LlmError` "invalid-request", the chart's
 * `error.llm.invalid-request`) before anything of the step is recorded; the others observe, and one
 * that throws is logged and the run goes on.
 */
import { isLlmError, LlmError } from "../llm/llm-error.js";
import type { ModelRequest, ModelResponse } from "../llm/protocol.js";
import type { Logger } from "../runtime/logger.js";

/** Which step: the conversation (its invoke id and state) and the 1-based turn. */
export interface StepInfo {
  invokeId: string;
  stateId: string;
  turn: number;
}

export interface StepStart extends StepInfo {
  /** The request as the conversation built it (a copy: changing it changes nothing; return a new one). */
  request: ModelRequest;
}

export interface StepFinish extends StepInfo {
  /** The request that was sent (after `onStepStart`). */
  request: ModelRequest;
  response: ModelResponse;
}

export interface ConversationStart {
  invokeId: string;
  stateId: string;
  /** The alias it talks to. */
  model: string;
}

export interface ConversationEnd {
  invokeId: string;
  stateId: string;
  reason: "exit" | "done" | "error" | "aborted";
}

export interface StepHooks {
  /** Before each model step; return the request to send instead, or nothing to send it as it is. */
  onStepStart?: (step: StepStart) => ModelRequest | void | Promise<ModelRequest | void>;
  /** After each model step, with its response, once it is recorded (awaited; a throw is a warning). */
  onStepFinish?: (step: StepFinish) => void | Promise<void>;
  /** When a conversation starts (not awaited). */
  onConversationStart?: (conversation: ConversationStart) => void;
  /** When a conversation ends, whatever the reason (not awaited). */
  onConversationEnd?: (conversation: ConversationEnd) => void;
}

export const stepHookNames = ["onStepStart", "onStepFinish", "onConversationStart", "onConversationEnd"] as const;

export type StepHookName = (typeof stepHookNames)[number];

/** A hook's own failure, as the step's model failure naming the hook. */
export function hookFailure(hook: StepHookName, step: StepInfo, error: unknown): LlmError {
  const why = error instanceof Error ? error.message : String(error);
  return new LlmError(isLlmError(error) ? error.category : "invalid-request", `${hook} hook failed (${step.invokeId} turn ${step.turn}): ${why}`, {
    cause: error,
    detail: { hook },
  });
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;

/** Why `value`, returned by `onStepStart`, is not a request, or undefined. */
function requestProblem(value: Record<string, unknown>): string | undefined {
  if (typeof value.model !== "string" || value.model === "") return "model: expected an alias";
  if (!Array.isArray(value.messages)) return "messages: expected an array";
  if (!Array.isArray(value.tools)) return "tools: expected an array";
  if (!isObject(value.params)) return "params: expected an object";
  if (value.system !== undefined && typeof value.system !== "string") return "system: expected a string";
  return undefined;
}

/**
 * The request a step sends: `request` after `hooks.onStepStart`. Rejects with an `LlmError`
 * naming the hook when it throws or returns something that is not a request.
 */
export async function startStep(hooks: StepHooks | undefined, step: StepInfo, request: ModelRequest): Promise<ModelRequest> {
  if (!hooks?.onStepStart) return request;
  let returned: unknown;
  try {
    returned = await hooks.onStepStart({ ...step, request: structuredClone(request) });
  } catch (error) {
    throw hookFailure("onStepStart", step, error);
  }
  if (returned === undefined) return request;
  const problem = isObject(returned) ? requestProblem(returned) : "expected a request object or nothing";
  if (problem) throw hookFailure("onStepStart", step, new Error(`returned no valid request: ${problem}`));
  return { ...(returned as unknown as ModelRequest), origin: request.origin };
}

/**
 * Tells `hooks.onStepFinish` about a step whose response is recorded (awaited). It observes only: a
 * throw or rejection is a warning naming the hook, and the step goes on with what is recorded.
 */
export async function finishStep(
  hooks: StepHooks | undefined,
  step: StepInfo,
  request: ModelRequest,
  response: ModelResponse,
  log: Pick<Logger, "warn">,
): Promise<void> {
  if (!hooks?.onStepFinish) return;
  try {
    await hooks.onStepFinish({ ...step, request, response });
  } catch (error) {
    log.warn(`onStepFinish hook failed (${step.invokeId} turn ${step.turn}); the run goes on`, {
      message: error instanceof Error ? error.message : String(error),
    });
  }
}

/** Calls an observer (`onConversationStart` / `onConversationEnd`); a throw or rejection is logged, never thrown. */
export function observe<K extends "onConversationStart" | "onConversationEnd">(
  hooks: StepHooks | undefined,
  hook: K,
  value: Parameters<NonNullable<StepHooks[K]>>[0],
  log: Pick<Logger, "warn">,
): void {
  const fn = hooks?.[hook] as ((value: unknown) => unknown) | undefined;
  if (!fn) return;
  const warn = (error: unknown): void =>
    log.warn(`${hook} hook failed (${value.invokeId}); the run goes on`, { message: error instanceof Error ? error.message : String(error) });
  try {
    const result = fn(value);
    if (isObject(result) && typeof result.then === "function") Promise.resolve(result).then(undefined, warn);
  } catch (error) {
    warn(error);
  }
}

/** Why `value` is not a hooks object, per hook, or an empty list. */
export function stepHooksProblems(value: unknown): { hook: string; message: string }[] {
  if (!isObject(value)) return [{ hook: "", message: `expected an object { ${stepHookNames.join(", ")} } of functions` }];
  return Object.entries(value).flatMap(([hook, fn]) =>
    !(stepHookNames as readonly string[]).includes(hook)
      ? [{ hook, message: `unknown hook (known: ${stepHookNames.join(", ")})` }]
      : typeof fn !== "function" && fn !== undefined
        ? [{ hook, message: "expected a function" }]
        : [],
  );
}
