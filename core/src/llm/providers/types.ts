import type { LanguageModelV2, LanguageModelV3 } from "@ai-sdk/provider";
import type { PromptCaching } from "../generation-params.js";
import type { ModelMiddleware } from "./middleware.js";
import type { ProviderKind } from "./provider-kinds.js";

/** A credential the adapters read with `reveal()` at the one place a request is built (config's `Secret`). */
export interface SecretLike {
  reveal(): string;
}

/**
 * One provider from the project's credentials, resolved (structurally the config layer's
 * `ResolvedProvider`). `baseURL` defaults per kind (see `defaultBaseURLs`); `openai-compatible`
 * has no default and needs one.
 */
export interface ProviderSpec {
  /** The name targets use (`ModelTarget.provider`), e.g. "anthropic", "openrouter", "my-vllm". */
  name: string;
  kind: ProviderKind;
  baseURL?: string;
  /** A `Secret`; a plain string is accepted for hosts and tests. */
  apiKey?: SecretLike | string;
  /** Extra headers on every request (e.g. OpenRouter's `HTTP-Referer` / `X-Title`). */
  headers?: Record<string, string>;
}

export type FetchFunction = typeof globalThis.fetch;

/**
 * How a target's requests are sent, beside its generation params (`.escapement.json` target keys
 * next to `provider` and `model`).
 */
export interface TargetTransport {
  /**
   * Most milliseconds a streamed request waits for the response headers (connecting included);
   * then it fails with a transient `timeout`. Default: the client's `headersTimeoutMs`, else
   * 30000. Unstreamed requests have `responseTimeoutMs` instead (their headers come with the whole reply).
   */
  headersTimeoutMs?: number;
  /**
   * Most milliseconds an unstreamed request waits for its reply (connecting and generating
   * included); then it fails with a transient `timeout`. Default: the client's
   * `responseTimeoutMs`, else 120000.
   */
  responseTimeoutMs?: number;
}

/** Options of `createTargetClient` / `languageModelTargetClient`. */
export interface TargetClientOptions {
  /** Replaces the global fetch for every request this client makes (tests, proxies, recording). */
  fetch?: FetchFunction;
  /**
   * `headersTimeoutMs` for a target that sets none (see `TargetTransport`). Default 30000. Only
   * `createTargetClient` applies it (a host's own model brings its own fetch).
   */
  headersTimeoutMs?: number;
  /** `responseTimeoutMs` for a target that sets none (see `TargetTransport`). Default 120000. */
  responseTimeoutMs?: number;
  /**
   * Prompt caching default for this client (a request's `params.promptCaching`, then the
   * target's, win over it). Default `true`. Only Anthropic models read it.
   */
  promptCaching?: PromptCaching;
  /** Milliseconds since an arbitrary origin; injectable for deterministic ttftMs. Default `performance.now`. */
  now?: () => number;
  /**
   * Receives the provider's warnings (unsupported settings the SDK dropped, ...). The adapters
   * never print them; without this hook they are discarded.
   */
  onWarnings?: (warnings: readonly unknown[]) => void;
  /**
   * AI SDK middleware (`LanguageModelMiddleware`, applied with `wrapLanguageModel`): bare (every
   * alias) or `{ name?, aliases?, middleware }` (the calls that ask for those aliases). The first
   * sees the request first. A throw of its own fails the call with an `LlmError` naming it.
   */
  middleware?: readonly ModelMiddleware[];
}

/** A host-supplied AI SDK model: an instance (V2 or V3, as `ai` 6 accepts) or a factory by model id. */
export type LanguageModelSource = LanguageModelV3 | LanguageModelV2 | ((modelId: string) => LanguageModelV3 | LanguageModelV2);
