/**
 * A live model from a project config and credentials given as data: the same router, catalog and
 * AI SDK adapters as `escapement run` (loader/live-model.ts), but nothing comes from the process. No
 * env var is read (no `*_API_KEY`, no `*_BASE_URL`, no `OLLAMA_HOST`), no key store file is opened
 * (`keyFrom` descriptors take their key from `credentials` too), and every call builds new
 * instances, so two runs never share a router, a catalog or a cooldown.
 */
import { knownList } from "../config/config-error.js";
import { resolveProviders, type ResolvedProvider } from "../config/providers.js";
import type { ProjectConfig } from "../config/schema.js";
import { Secret } from "../config/secret.js";
import { knownProviderNames } from "../config/validate.js";
import { catalogFromConfig } from "../llm/catalog/index.js";
import type { ModelClient } from "../llm/protocol.js";
import { createTargetClient } from "../llm/providers/index.js";
import type { ModelMiddleware } from "../llm/providers/middleware.js";
import type { FetchFunction } from "../llm/providers/types.js";
import { createModelRouter } from "../llm/router/index.js";
import type { ModelTarget } from "../llm/target.js";

/** Provider name -> API key. A plain string is wrapped in a `Secret` at once. */
export type Credentials = Readonly<Record<string, string | Secret>>;

export interface CredentialIssue {
  /** The provider name as given. */
  name: string;
  message: string;
}

/** Names in `credentials` that are no provider of `config` (each with the known ones, and a guess). */
export const unknownCredentialNames = (config: ProjectConfig, credentials: Credentials): CredentialIssue[] => {
  const known = knownProviderNames(config);
  return Object.keys(credentials)
    .filter((name) => !known.includes(name))
    .map((name) => ({ name, message: `unknown provider "${name}" ${knownList(name, known)}` }));
};

/**
 * The config's providers with keys from `credentials`: base URLs from the config or the kind's
 * public default (never from env), keys only from `credentials`.
 */
export const providersFromData = (config: ProjectConfig, credentials: Credentials, file: string): ResolvedProvider[] => {
  // Without key sources nothing can send the resolver to the file system or the environment.
  const keyless: ProjectConfig = {
    ...config,
    credentials: config.credentials.map(({ keyFrom: _keyFrom, apiKeyEnv: _apiKeyEnv, ...descriptor }) => descriptor),
    credentialSources: {},
  };
  const resolved = resolveProviders(keyless, {
    env: {},
    readFile: () => {
      throw new Error("run() reads no files");
    },
    baseDir: "/",
    file,
  });
  return resolved.map((provider) => {
    const { apiKey: _none, keySource: _source, ...rest } = provider;
    const given = Object.hasOwn(credentials, provider.name) ? credentials[provider.name] : undefined;
    // A string is wrapped at once; a Secret (or anything with reveal(), e.g. from another copy of the package) is kept.
    const key = given === undefined || given === "" ? undefined : typeof given === "string" ? new Secret(given) : given;
    return {
      ...rest,
      baseURLSource: provider.baseURLSource === "config" ? "config" : "default",
      ...(key ? { apiKey: key, keySource: `credentials.${provider.name}` } : {}),
    };
  });
};

export interface HermeticModelOptions {
  /** Replaces the global fetch for every provider request (tests, proxies). */
  fetch?: FetchFunction;
  /** AI SDK middleware on every target's model (see `TargetClientOptions.middleware`). */
  middleware?: readonly ModelMiddleware[];
}

/** The router over the config's aliases; undefined when the config defines none. */
export const modelFromData = (config: ProjectConfig, providers: readonly ResolvedProvider[], options: HermeticModelOptions = {}): ModelClient | undefined => {
  if (Object.keys(config.aliases).length === 0) return undefined;
  const byName = new Map(providers.map((provider) => [provider.name, provider]));
  return createModelRouter({
    aliases: config.aliases,
    catalog: catalogFromConfig({ config, providers }),
    strict: config.eligibilityStrict,
    preferences: config.preferences,
    ratings: config.ratings,
    connect: (target: ModelTarget) =>
      createTargetClient(target, byName.get(target.provider)!, {
        ...(options.fetch ? { fetch: options.fetch } : {}),
        ...(options.middleware ? { middleware: options.middleware } : {}),
      }),
  });
};
