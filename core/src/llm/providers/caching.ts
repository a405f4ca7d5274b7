import type { PromptCaching } from "../generation-params.js";

/** Which Anthropic cache breakpoints a request carries. */
export interface CacheBreakpoints {
  system: boolean;
  tools: boolean;
  messages: boolean;
}

const all: CacheBreakpoints = { system: true, tools: true, messages: true };
const none: CacheBreakpoints = { system: false, tools: false, messages: false };

/**
 * The first defined setting wins (request params, then target, then client option); with none,
 * every breakpoint is on. `true` means all on, `false` all off; in an object an omitted key is on.
 */
export function resolvePromptCaching(...settings: ReadonlyArray<PromptCaching | undefined>): CacheBreakpoints {
  const setting = settings.find((value) => value !== undefined);
  if (setting === undefined || setting === true) return { ...all };
  if (setting === false) return { ...none };
  return { system: setting.system ?? true, tools: setting.tools ?? true, messages: setting.messages ?? true };
}

/** The providerOptions that make the AI SDK's Anthropic provider write `cache_control: {type: "ephemeral"}`. */
export const anthropicCacheControl = { anthropic: { cacheControl: { type: "ephemeral" } } } as const;
