/**
 * TargetClient over the AI SDK: one concrete model at one provider, no retries (the router owns
 * them), failures as categorized `LlmError`.
 */
import { generateText, streamText, type LanguageModel } from "ai";
import type { SharedV3ProviderOptions } from "@ai-sdk/provider";
import { LlmError, isLlmError } from "../llm-error.js";
import type { GenerationParams } from "../generation-params.js";
import type { CallOptions, ModelRequest, ModelResponse, TargetClient } from "../protocol.js";
import { targetId, type ModelTarget } from "../target.js";
import { resolvePromptCaching } from "./caching.js";
import { classifyError } from "./classify.js";
import { guardModel } from "./guard.js";
import { toAiSdkPrompt } from "./messages.js";
import { languageModelFor, missingKeyProblem, revealKey } from "./models.js";
import { ContentAssembler, thinkingSealOf, toStopReason, toUsage } from "./response.js";
import type { ProviderKind } from "./provider-kinds.js";
import { middlewareFor, nameMiddleware, withMiddleware } from "./middleware.js";
import { keyScrubbedClient } from "./scrub-error.js";
import { resolveHeadersTimeout, resolveResponseTimeout, withHeadersTimeout } from "./timed-fetch.js";
import type { LanguageModelSource, ProviderSpec, TargetClientOptions, TargetTransport } from "./types.js";

/** Thinking budget sent when `thinking: true` gives none. */
export const defaultThinkingBudget = 2048;

/**
 * The client for `target` at `provider`. The model is built once; every call is one HTTP request.
 * Throws `LlmError` ("invalid-request") for a provider it cannot build (openai-compatible without
 * a baseURL). A kind that needs a key, pointed at its public endpoint without one, rejects every
 * call with "auth" before sending anything. A streamed call whose response headers do not arrive
 * within the target's `headersTimeoutMs` (default 30 s), or an unstreamed call whose reply does not
 * arrive within its `responseTimeoutMs` (default 120 s), fails with a transient `timeout`. No
 * failure carries the provider's key, even when the provider's error body echoes it.
 */
export function createTargetClient(target: ModelTarget & TargetTransport, provider: ProviderSpec, options: TargetClientOptions = {}): TargetClient {
  const problem = missingKeyProblem(provider);
  // Unstreamed replies send their headers only once the whole answer is written: their wait is longer.
  const responseTimeoutMs = resolveResponseTimeout(target.responseTimeoutMs, options.responseTimeoutMs);
  const model = languageModelFor(provider, target.model, withHeadersTimeout(options.fetch, responseTimeoutMs, targetId(target), "responseTimeoutMs"));
  const headersTimeoutMs = resolveHeadersTimeout(target.headersTimeoutMs, options.headersTimeoutMs);
  const streamModel = languageModelFor(provider, target.model, withHeadersTimeout(options.fetch, headersTimeoutMs, targetId(target)));
  const client = keyScrubbedClient(makeClient(target, model, provider.kind, provider.name, options, streamModel), revealKey(provider));
  if (problem === undefined) return client;
  return { target, call: () => Promise.reject(new LlmError("auth", problem)) };
}

/**
 * A client over a host's own AI SDK model (any `LanguageModelV3` or `LanguageModelV2`, e.g. from
 * a provider package we do not ship, or a wrapped/middlewared model). `kind` says which
 * provider-specific knobs apply (thinking options, Anthropic prompt caching); without it they are
 * inferred from the model's `provider` id ("anthropic.messages" -> anthropic, "openai.chat" -> openai).
 * `options.fetch` does not apply: the host's model brings its own.
 */
export function languageModelTargetClient(
  target: ModelTarget,
  source: LanguageModelSource,
  options: TargetClientOptions & { kind?: ProviderKind } = {},
): TargetClient {
  const model = typeof source === "function" ? source(target.model) : source;
  if (typeof model !== "object" || model === null || (model.specificationVersion !== "v3" && model.specificationVersion !== "v2"))
    throw new LlmError("invalid-request", `target ${targetId(target)}: not an AI SDK language model (V2 or V3)`);
  const kind = options.kind ?? inferKind(model.provider);
  return makeClient(target, model, kind, target.provider, options);
}

function inferKind(providerId: string): ProviderKind | undefined {
  if (providerId.startsWith("anthropic")) return "anthropic";
  if (providerId.startsWith("openai.")) return "openai";
  return undefined;
}

function makeClient(
  target: ModelTarget,
  rawModel: Exclude<LanguageModel, string>,
  kind: ProviderKind | undefined,
  providerName: string,
  options: TargetClientOptions,
  rawStreamModel: Exclude<LanguageModel, string> = rawModel,
): TargetClient {
  const guard = (raw: Exclude<LanguageModel, string>): Exclude<LanguageModel, string> =>
    raw.specificationVersion === "v3" ? guardModel(raw, options.onWarnings) : raw;
  const model = guard(rawModel);
  const streamModel = rawStreamModel === rawModel ? model : guard(rawStreamModel);
  const now = options.now ?? (() => performance.now());
  const id = targetId(target);
  const clientMiddleware = nameMiddleware(options.middleware ?? []);
  // The models of one alias's middleware, built at its first call; a call with middleware of its
  // own, or one that asks what is sent, gets a model of its own.
  const byAlias = new Map<string, Exclude<LanguageModel, string>>();
  const modelFor = (request: ModelRequest, callOptions: CallOptions): Exclude<LanguageModel, string> => {
    const base = request.stream ? streamModel : model;
    const own = callOptions.middleware && callOptions.middleware.length > 0 ? middlewareFor(nameMiddleware(callOptions.middleware), request.model) : [];
    if (own.length === 0 && clientMiddleware.length === 0) return base;
    const chosen = [...own, ...middlewareFor(clientMiddleware, request.model)];
    if (chosen.length === 0) return base;
    if (base.specificationVersion !== "v3") throw new LlmError("invalid-request", `target ${id}: middleware needs an AI SDK V3 model`);
    if (own.length > 0 || callOptions.onSent) return withMiddleware(base, chosen, callOptions.onSent && guarded(callOptions.onSent));
    const key = `${request.stream ? "stream" : "generate"}:${request.model}`;
    let wrapped = byAlias.get(key);
    if (!wrapped) {
      wrapped = withMiddleware(base, chosen);
      byAlias.set(key, wrapped);
    }
    return wrapped;
  };

  return {
    target,
    async call(request: ModelRequest, callOptions: CallOptions): Promise<ModelResponse> {
      const { signal } = callOptions;
      if (signal.aborted) throw abortError(signal);
      const params = mergeParams(target, request.params);
      const cache = kind === "anthropic" ? resolvePromptCaching(request.params.promptCaching, target.promptCaching, options.promptCaching) : undefined;
      const prompt = toAiSdkPrompt(request, cache);
      const providerOptions = providerOptionsFor(kind, providerName, params.thinking);
      const settings = {
        model: modelFor(request, callOptions),
        ...(prompt.system === undefined ? {} : { system: prompt.system }),
        messages: prompt.messages,
        ...(prompt.tools === undefined ? {} : { tools: prompt.tools }),
        ...(params.maxTokens === undefined ? {} : { maxOutputTokens: params.maxTokens }),
        ...(params.temperature === undefined ? {} : { temperature: params.temperature }),
        ...(params.topP === undefined ? {} : { topP: params.topP }),
        ...(providerOptions === undefined ? {} : { providerOptions }),
        maxRetries: 0,
        abortSignal: signal,
        experimental_include: { requestBody: false },
      };
      const started = now();
      try {
        return request.stream ? await streamCall(settings, callOptions, started, now, id) : await generateCall(settings, id);
      } catch (error) {
        if (signal.aborted) throw abortError(signal);
        if (error instanceof CallbackError) throw error.cause;
        throw classifyError(error);
      }
    },
  };
}

type Settings = Parameters<typeof streamText>[0] & Parameters<typeof generateText>[0];

/** Errors thrown by the caller's own callbacks pass through untouched (they are not provider failures). */
class CallbackError extends Error {
  constructor(override readonly cause: unknown) {
    super("callback failed");
  }
}

function guarded<A extends unknown[]>(fn: ((...args: A) => void) | undefined): (...args: A) => void {
  return (...args: A) => {
    if (fn === undefined) return;
    try {
      fn(...args);
    } catch (error) {
      throw new CallbackError(error);
    }
  };
}

async function streamCall(settings: Settings, callOptions: CallOptions, started: number, now: () => number, target: string): Promise<ModelResponse> {
  const onDelta = guarded(callOptions.onDelta);
  const onFirstToken = guarded(callOptions.onFirstToken);
  let ttftMs: number | undefined;
  const firstToken = (): void => {
    if (ttftMs !== undefined) return;
    ttftMs = now() - started;
    onFirstToken(ttftMs);
  };

  const content = new ContentAssembler();
  let finish: { finishReason: Parameters<typeof toStopReason>[0]; raw: string | undefined; usage: Parameters<typeof toUsage>[0] } | undefined;
  let providerMetadata: Parameters<typeof toUsage>[1];

  const result = streamText({ ...settings, onError: () => {} });
  for await (const part of result.fullStream) {
    switch (part.type) {
      case "text-delta":
        if (part.text === "") break;
        firstToken();
        content.text(part.id, part.text);
        onDelta({ kind: "text", text: part.text });
        break;
      case "reasoning-start":
        // A thinking block opening is output: with Anthropic's omitted thinking display no thinking text ever streams.
        firstToken();
        content.thinking(part.id, "", thinkingSealOf(part.providerMetadata));
        break;
      case "reasoning-end":
        content.thinking(part.id, "", thinkingSealOf(part.providerMetadata));
        break;
      case "reasoning-delta":
        content.thinking(part.id, part.text, thinkingSealOf(part.providerMetadata));
        if (part.text === "") break;
        firstToken();
        onDelta({ kind: "thinking", text: part.text });
        break;
      case "tool-input-start":
        firstToken();
        content.toolInputStart(part.id, part.toolName);
        break;
      case "tool-input-delta":
        firstToken();
        break;
      case "tool-call":
        firstToken();
        content.toolCall(part.toolCallId, part.toolName, part.input);
        break;
      case "finish-step":
        providerMetadata = part.providerMetadata;
        break;
      case "finish":
        finish = { finishReason: part.finishReason, raw: part.rawFinishReason, usage: part.totalUsage };
        break;
      case "error":
        throw part.error;
      case "abort":
        throw new DOMException("aborted", "AbortError");
      default:
        break;
    }
  }
  if (finish === undefined) throw new LlmError("transport", "the response stream ended without a finish");
  const blocks = content.blocks();
  return {
    content: blocks,
    stopReason: toStopReason(finish.finishReason, finish.raw, content.hasToolCalls),
    usage: toUsage(finish.usage, providerMetadata),
    target,
    ...(ttftMs === undefined ? {} : { ttftMs }),
  };
}

async function generateCall(settings: Settings, target: string): Promise<ModelResponse> {
  const result = await generateText(settings);
  const content = new ContentAssembler();
  result.content.forEach((part, index) => {
    switch (part.type) {
      case "text":
        content.text(`t${index}`, part.text);
        break;
      case "reasoning":
        content.thinking(`r${index}`, part.text, thinkingSealOf(part.providerMetadata));
        break;
      case "tool-call":
        content.toolCall(part.toolCallId, part.toolName, part.input);
        break;
      default:
        break;
    }
  });
  return {
    content: content.blocks(),
    stopReason: toStopReason(result.finishReason, result.rawFinishReason, content.hasToolCalls),
    usage: toUsage(result.totalUsage, result.providerMetadata),
    target,
  };
}

/** The request's params over the target's (a target may carry defaults such as a thinking budget). */
function mergeParams(target: ModelTarget, params: GenerationParams): GenerationParams {
  const merged: GenerationParams = {};
  for (const key of ["temperature", "topP", "maxTokens", "thinking", "promptCaching"] as const) {
    const value = params[key] ?? target[key];
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  return merged;
}

/** `params.thinking` in each provider's own terms; see docs/providers.md. */
export function providerOptionsFor(
  kind: ProviderKind | undefined,
  providerName: string,
  thinking: GenerationParams["thinking"],
): SharedV3ProviderOptions | undefined {
  if (thinking === undefined) return undefined;
  const budget = thinking === false ? 0 : thinking === true ? defaultThinkingBudget : thinking.budgetTokens;
  switch (kind) {
    case "anthropic":
      return budget === 0 ? undefined : { anthropic: { thinking: { type: "enabled", budgetTokens: budget } } };
    case "openai":
      return budget === 0 ? undefined : { openai: { reasoningEffort: budget <= 2048 ? "low" : budget <= 8192 ? "medium" : "high" } };
    case "openrouter":
      return { [providerName]: { reasoning: budget === 0 ? { enabled: false } : { max_tokens: budget } } };
    case "zai":
      return { [providerName]: { thinking: { type: budget === 0 ? "disabled" : "enabled" } } };
    default:
      return undefined;
  }
}

/** The error for an aborted call: the abort reason when it is an `LlmError` (e.g. the router's own), else timeout / aborted. */
function abortError(signal: AbortSignal): LlmError {
  const reason: unknown = signal.reason;
  if (isLlmError(reason)) return reason;
  if ((reason as { name?: unknown } | null)?.name === "TimeoutError") return new LlmError("timeout", "the call timed out", { cause: reason });
  return new LlmError("aborted", "the call was aborted", { cause: reason });
}
