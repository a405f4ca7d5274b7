/**
 * How a model generates a reply (sampling, output budget, thinking, prompt caching), set per
 * request (`ModelRequest.params`) and per target (`ModelTarget`); a request's own settings win.
 */
export interface GenerationParams {
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  thinking?: { budgetTokens: number } | boolean;
  /**
   * Anthropic prompt caching (cache_control breakpoints). On by default for Anthropic targets;
   * `false` turns it off, an object turns single breakpoints off (each defaults to `true`):
   * `system` (the system prompt), `tools` (the last tool spec), `messages` (a rolling breakpoint
   * on the newest message and the one the previous request ended with). Providers that cache
   * automatically (OpenAI, z.ai, ...) ignore it. See docs/providers.md.
   */
  promptCaching?: PromptCaching;
}

export type PromptCaching = boolean | { system?: boolean; tools?: boolean; messages?: boolean };
