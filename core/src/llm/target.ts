import type { CallOptions, GenerationParams, ModelRequest, ModelResponse } from "./protocol.js";

/** One concrete model at one provider, as an alias lists it in `.escapement.json`. */
export interface ModelTarget extends GenerationParams {
  /** A provider name from the config's credentials (e.g. "anthropic", "openrouter", "my-vllm"). */
  provider: string;
  /** The provider's own model id. */
  model: string;
}

export const targetId = (target: Pick<ModelTarget, "provider" | "model">): string => `${target.provider}:${target.model}`;

/**
 * A client for exactly one target (no aliases, no retries): what a provider adapter builds and
 * what the resilience layer calls. `request.model` is ignored; the target fixes the model.
 * Rejects with a categorized `LlmError`.
 */
export interface TargetClient {
  readonly target: ModelTarget;
  call(request: ModelRequest, options: CallOptions): Promise<ModelResponse>;
}

/** Rows the model layer reports while serving a call (llm/retry, llm/model-down, ...). */
export type ModelLayerEvent = { event: string; data: Record<string, unknown> };
