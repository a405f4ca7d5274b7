import type { GenerationParams } from "./generation-params.js";

/** One concrete model at one provider, as an alias lists it in `.escapement.json`. */
export interface ModelTarget extends GenerationParams {
  /** A provider name from the config's credentials (e.g. "anthropic", "openrouter", "my-vllm"). */
  provider: string;
  /** The provider's own model id. */
  model: string;
}

export const targetId = (target: Pick<ModelTarget, "provider" | "model">): string => `${target.provider}:${target.model}`;
