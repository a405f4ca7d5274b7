/**
 * The wire dialects a provider can speak; each maps to one adapter. Everything but `anthropic` and
 * `openai` is the OpenAI-compatible chat wire. The project config validates provider descriptors
 * against this list.
 */
export const providerKinds = ["anthropic", "openai", "openrouter", "ollama", "zai", "openai-compatible"] as const;

export type ProviderKind = (typeof providerKinds)[number];

/** Kinds that work with no descriptor: each is also a provider name unless a descriptor names its kind. */
export const builtinProviderKinds = ["anthropic", "openai", "openrouter", "zai", "ollama"] as const satisfies readonly ProviderKind[];

export interface KindDefaults {
  /** Env var the key is read from when a descriptor names none (and for autodetection). */
  keyEnv?: string;
  /** Base URL when the descriptor names none. */
  baseURL?: string;
  /** Env var that overrides `baseURL` (as the provider's own SDK or CLI reads it). */
  baseURLEnv?: string;
  /** Whether a request without a key is expected to work (local servers). */
  keyOptional: boolean;
}

export const kindDefaults: Readonly<Record<ProviderKind, KindDefaults>> = {
  anthropic: { keyEnv: "ANTHROPIC_API_KEY", baseURL: "https://api.anthropic.com/v1", baseURLEnv: "ANTHROPIC_BASE_URL", keyOptional: false },
  openai: { keyEnv: "OPENAI_API_KEY", baseURL: "https://api.openai.com/v1", baseURLEnv: "OPENAI_BASE_URL", keyOptional: false },
  openrouter: { keyEnv: "OPENROUTER_API_KEY", baseURL: "https://openrouter.ai/api/v1", keyOptional: false },
  zai: { keyEnv: "ZAI_API_KEY", baseURL: "https://api.z.ai/api/paas/v4", keyOptional: false },
  ollama: { keyEnv: "OLLAMA_API_KEY", baseURL: "http://127.0.0.1:11434/v1", baseURLEnv: "OLLAMA_HOST", keyOptional: true },
  "openai-compatible": { keyOptional: true },
};

/**
 * `OLLAMA_HOST` as the ollama CLI reads it (`host`, `host:port`, `scheme://host[:port]`, IPv6 in
 * brackets; default scheme http, default port 11434, or 80/443 when a scheme is given), plus `/v1`
 * for the OpenAI-compatible API.
 */
export const ollamaBaseURL = (hostVar: string): string => {
  const trimmed = hostVar
    .trim()
    .replace(/^["']+|["']+$/g, "")
    .trim();
  let scheme = "http";
  let hostport = trimmed;
  let defaultPort = "11434";
  const cut = trimmed.indexOf("://");
  if (cut !== -1) {
    scheme = trimmed.slice(0, cut);
    hostport = trimmed.slice(cut + 3);
    if (scheme === "http") defaultPort = "80";
    else if (scheme === "https") defaultPort = "443";
  }
  hostport = hostport.replace(/\/+$/, "");
  let host = "127.0.0.1";
  let port = defaultPort;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(hostport);
  const plain = /^([^:]*):(\d+)$/.exec(hostport);
  if (bracketed) {
    host = `[${bracketed[1]}]`;
    port = bracketed[2] ?? defaultPort;
  } else if (plain) {
    host = plain[1] === "" ? "127.0.0.1" : (plain[1] as string);
    port = plain[2] as string;
  } else if (hostport.includes(":") && !hostport.includes("/")) {
    host = `[${hostport}]`; // a bare IPv6 address
  } else if (hostport !== "") {
    host = hostport;
  }
  if (Number(port) > 65535) port = defaultPort;
  return `${scheme}://${host}:${port}/v1`;
};
