/**
 * Credentials -> `ResolvedProvider[]`: where each provider is and what key it uses. Keys come
 * from an env var (named by `apiKeyEnv`, or the kind's usual one) or from a JSON key store
 * (`keyFrom: [source, ...path]`); each key store file is read at most once per resolution.
 * The environment is data (never `process.env`), and a key is only ever held as a `Secret`.
 */
import { isAbsolute, join, resolve } from "node:path";
import { ConfigError, formatKeyPath, type ConfigIssue } from "./config-error.js";
import { parseJsonText } from "./json-text.js";
import { builtinProviderKinds, kindDefaults, ollamaBaseURL, type ProviderKind } from "../llm/providers/provider-kinds.js";
import type { CredentialDescriptor, ProjectConfig } from "./schema.js";
import { Secret } from "./secret.js";

export type Env = Readonly<Record<string, string | undefined>>;

/** Reads a text file; `undefined` when it does not exist. Other failures throw. */
export type ReadTextFile = (path: string) => string | undefined;

export interface ResolvedProvider {
  /** What targets name in `provider`. */
  name: string;
  kind: ProviderKind;
  /** Where requests go (the kind's public endpoint unless configured). */
  baseURL: string;
  /** Absent when no key was found; the adapter then fails with category "auth" (or works keyless, e.g. ollama). */
  apiKey?: Secret;
  headers?: Record<string, string>;
  /** Where the key comes from, for display: `env ANTHROPIC_API_KEY`, `keyFrom vault.anthropic.key`. Absent: no key is configured. */
  keySource?: string;
  /** Where the base URL comes from, for display: `config`, `env OLLAMA_HOST`, `default`. */
  baseURLSource: string;
  /** True for a built-in provider found without a credentials entry. */
  autodetected: boolean;
}

export interface ResolveProvidersOptions {
  env: Env;
  readFile: ReadTextFile;
  /** Directory relative key store paths resolve against (the config file's directory). */
  baseDir: string;
  /** `~` in key store paths. */
  homeDir?: string;
  /** Labels errors, e.g. `.escapement.json`. */
  file: string;
}

export const resolveProviders = (config: ProjectConfig, options: ResolveProvidersOptions): ResolvedProvider[] => {
  const issues: ConfigIssue[] = [];
  const stores = new KeyStores(config, options, issues);
  const providers: ResolvedProvider[] = [];

  config.credentials.forEach((descriptor, index) => {
    const resolved = resolveDescriptor(descriptor, index, options.env, stores, issues);
    if (resolved) providers.push(resolved);
  });

  const usedKinds = new Set(config.credentials.map((descriptor) => descriptor.kind));
  const usedNames = new Set(config.credentials.map((descriptor) => descriptor.name));
  for (const kind of builtinProviderKinds) {
    if (usedKinds.has(kind) || usedNames.has(kind)) continue;
    const defaults = kindDefaults[kind];
    const base = baseURLFor(kind, undefined, options.env, issues);
    const keyEnv = defaults.keyEnv as string;
    const key = options.env[keyEnv];
    providers.push({
      name: kind,
      kind,
      baseURL: base.url,
      baseURLSource: base.source,
      ...(key ? { apiKey: new Secret(key) } : {}),
      keySource: `env ${keyEnv}`,
      autodetected: true,
    });
  }

  if (issues.length > 0) throw new ConfigError(options.file, issues);
  return providers;
};

const resolveDescriptor = (
  descriptor: CredentialDescriptor,
  index: number,
  env: Env,
  stores: KeyStores,
  issues: ConfigIssue[],
): ResolvedProvider | undefined => {
  const base = baseURLFor(descriptor.kind, descriptor.baseURL, env, issues);
  let apiKey: Secret | undefined;
  let keySource: string | undefined;
  if (descriptor.keyFrom) {
    const [source, ...path] = descriptor.keyFrom as [string, ...string[]];
    keySource = `keyFrom ${[source, ...path].join(".")}`;
    apiKey = stores.key(source, path, ["credentials", index, "keyFrom"]);
  } else {
    const keyEnv = descriptor.apiKeyEnv ?? kindDefaults[descriptor.kind].keyEnv;
    if (keyEnv !== undefined) {
      keySource = `env ${keyEnv}`;
      const key = env[keyEnv];
      if (key) apiKey = new Secret(key);
    }
  }
  return {
    name: descriptor.name,
    kind: descriptor.kind,
    baseURL: base.url,
    baseURLSource: base.source,
    ...(apiKey ? { apiKey } : {}),
    ...(descriptor.headers ? { headers: { ...descriptor.headers } } : {}),
    ...(keySource ? { keySource } : {}),
    autodetected: false,
  };
};

const baseURLFor = (kind: ProviderKind, configured: string | undefined, env: Env, issues: ConfigIssue[]): { url: string; source: string } => {
  if (configured !== undefined) return { url: trimSlash(configured), source: "config" };
  const defaults = kindDefaults[kind];
  const fromEnv = defaults.baseURLEnv === undefined ? undefined : env[defaults.baseURLEnv]?.trim();
  if (fromEnv && defaults.baseURLEnv) {
    const url = kind === "ollama" ? ollamaBaseURL(fromEnv) : trimSlash(fromEnv);
    if (isHttpUrl(url)) return { url, source: `env ${defaults.baseURLEnv}` };
    issues.push({ path: `env ${defaults.baseURLEnv}`, message: `not an http(s) URL: ${JSON.stringify(fromEnv)}` });
  }
  // Every kind but openai-compatible has a default; openai-compatible without baseURL was rejected by validation.
  return { url: defaults.baseURL ?? "", source: "default" };
};

const trimSlash = (url: string): string => url.replace(/\/+$/, "");

const isHttpUrl = (value: string): boolean => {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
};

/** The key stores of one resolution: each file read at most once, only when a key needs it. */
class KeyStores {
  readonly #loaded = new Map<string, { ok: true; value: unknown } | { ok: false }>();

  constructor(
    private readonly config: ProjectConfig,
    private readonly options: ResolveProvidersOptions,
    private readonly issues: ConfigIssue[],
  ) {}

  key(source: string, path: readonly string[], keyPath: PropertyKey[]): Secret | undefined {
    const store = this.load(source);
    if (!store.ok) return undefined;
    let current: unknown = store.value;
    for (let depth = 0; depth < path.length; depth++) {
      const segment = path[depth] as string;
      const next =
        typeof current === "object" && current !== null && Object.hasOwn(current, segment) ? (current as Record<string, unknown>)[segment] : undefined;
      if (next === undefined) {
        this.issues.push({
          path: formatKeyPath(keyPath),
          message: `key store "${source}" (${this.fileOf(source)}) has no ${path.slice(0, depth + 1).join(".")}`,
        });
        return undefined;
      }
      current = next;
    }
    if (typeof current !== "string" || current === "") {
      this.issues.push({
        path: formatKeyPath(keyPath),
        message: `key store "${source}" (${this.fileOf(source)}): ${path.join(".")} is not a non-empty string`,
      });
      return undefined;
    }
    return new Secret(current);
  }

  private fileOf(source: string): string {
    return this.config.credentialSources[source]?.file ?? "?";
  }

  private load(source: string): { ok: true; value: unknown } | { ok: false } {
    const cached = this.#loaded.get(source);
    if (cached) return cached;
    const result = this.read(source);
    this.#loaded.set(source, result);
    return result;
  }

  private read(source: string): { ok: true; value: unknown } | { ok: false } {
    const keyPath = formatKeyPath(["credentialSources", source, "file"]);
    const fail = (message: string): { ok: false } => {
      this.issues.push({ path: keyPath, message });
      return { ok: false };
    };
    const declared = this.config.credentialSources[source];
    if (!declared) return fail("not declared"); // validation rejects this before resolution
    const path = this.expand(declared.file);
    if (path === undefined) return fail(`cannot expand ~ in ${JSON.stringify(declared.file)}: no home directory (HOME is not set)`);
    let text: string | undefined;
    try {
      text = this.options.readFile(path);
    } catch (error) {
      return fail(`cannot read key store ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    if (text === undefined) return fail(`key store file not found: ${path}`);
    const parsed = parseJsonText(text);
    if (!parsed.ok) {
      // Line and column only: the parser's message may quote the file, and the file holds secrets.
      const { line, column } = parsed.problem;
      return fail(`key store ${path} is not valid JSON (line ${line}, column ${column})`);
    }
    return { ok: true, value: parsed.value };
  }

  private expand(file: string): string | undefined {
    if (file === "~" || file.startsWith("~/")) {
      const home = this.options.homeDir;
      return home === undefined ? undefined : join(home, file.slice(1));
    }
    return isAbsolute(file) ? file : resolve(this.options.baseDir, file);
  }
}
