import type { GenerationParams } from "../generation-params.js";
import type { CallOptions, ModelClient, ModelMessage, ModelRequest, RequestOrigin, ToolSpec } from "../protocol.js";
import type { ResiliencePolicy } from "../router/policy.js";
import { failureEnvelope, okEnvelope, type ResultEnvelope } from "./envelope.js";

/** A prompt: a user message's text, or the whole message list. */
export type Prompt = string | ModelMessage[];

export interface AskOptions {
  /** The alias to ask. Default "default". */
  model?: string;
  /** Fallback aliases, tried after `model`'s targets (a router reads them). */
  models?: string[];
  system?: string;
  tools?: ToolSpec[];
  params?: GenerationParams;
  /** Stream the reply. Default: true when `onDelta` is given. */
  stream?: boolean;
  resilience?: ResiliencePolicy;
  signal?: AbortSignal;
  onDelta?: CallOptions["onDelta"];
  onEvent?: CallOptions["onEvent"];
  /** Where the call comes from (scripted models match on `stateId`). Default `{invokeId: "script", stateId: "script", turn: 1}`. */
  origin?: Partial<RequestOrigin>;
}

export const promptMessages = (prompt: Prompt): ModelMessage[] =>
  typeof prompt === "string" ? [{ role: "user", content: [{ type: "text", text: prompt }] }] : prompt;

export function askRequest(prompt: Prompt, options: AskOptions = {}): ModelRequest {
  return {
    model: options.model ?? "default",
    ...(options.models && options.models.length > 0 ? { models: options.models } : {}),
    ...(options.system === undefined ? {} : { system: options.system }),
    messages: promptMessages(prompt),
    tools: options.tools ?? [],
    params: options.params ?? {},
    stream: options.stream ?? options.onDelta !== undefined,
    origin: { invokeId: "script", stateId: "script", turn: 1, ...options.origin },
    ...(options.resilience === undefined ? {} : { resilience: options.resilience }),
  };
}

/**
 * One model turn from chart code or a host script. Resolves to an envelope; never rejects for a
 * categorized model failure (only for a bug, i.e. a non-`LlmError`).
 *
 *     const answer = await ask(model, "Summarize: ...", { model: "fast" });
 *     if (answer.status === "ok") use(answer.text);
 */
export async function ask(client: ModelClient, prompt: Prompt, options: AskOptions = {}): Promise<ResultEnvelope> {
  const request = askRequest(prompt, options);
  try {
    const response = await client.call(request, {
      signal: options.signal ?? new AbortController().signal,
      ...(options.onDelta ? { onDelta: options.onDelta } : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
    return okEnvelope(response);
  } catch (error) {
    return failureEnvelope(error);
  }
}
