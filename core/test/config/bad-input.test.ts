/**
 * Bad `.escapement.json` input: each is rejected at load with a ConfigError naming the file and
 * the key path, never applied, and nothing crashes.
 */
import { describe, expect, it } from "vitest";
import { ConfigError, loadProjectConfig, parseProjectConfig } from "../../src/config/index.js";
import { json, memFs, target } from "./helpers.js";

const FILE = "/proj/.escapement.json";

const load = (config: unknown, extra: Record<string, string> = {}, env: Record<string, string> = {}) =>
  loadProjectConfig({
    cwd: "/proj",
    env,
    homeDir: "/home/me",
    readFile: memFs({ [FILE]: typeof config === "string" ? config : json(config), ...extra }).readFile,
  });

/** The ConfigError a load throws (fails the test when it does not throw one). */
const rejection = (config: unknown, extra: Record<string, string> = {}, env: Record<string, string> = {}): ConfigError => {
  try {
    load(config, extra, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected the config to be rejected");
};

const fast = [target("anthropic", "claude-3-5-haiku-latest")];

describe("rejected at load with the key path", () => {
  it("an unknown top-level key", () => {
    const error = rejection({ aliases: { fast }, prefrences: ["fast"] });
    expect(error.path).toBe("prefrences");
    expect(error.message).toBe(
      '.escapement.json: prefrences: unknown key (allowed: $schema, aliases, preferences, ratings, eligibilityStrict, credentials, credentialSources, catalog, mcpServers, permissions, sandbox, middleware); did you mean "preferences"?',
    );
  });

  it("bad permission rules: an unknown decision, a malformed glob, a climbing pattern, an unconfigured MCP server, a bad sandbox mode", () => {
    expect(rejection({ permissions: { fs_write: "maybe" } }).path).toBe("permissions.fs_write");
    expect(rejection({ permissions: { fs_write: { "src/**": "yes" } } }).message).toContain('permissions.fs_write: expected "allow" | "ask" | "deny" or');
    expect(rejection({ permissions: { fs_write: { "src/[a": "deny" } } }).message).toBe(
      '.escapement.json: permissions.fs_write["src/[a"]: malformed glob: Missing closing: "]" - use "\\\\]" to match literal characters',
    );
    expect(rejection({ permissions: { fs_read: { "../**": "allow" } } }).path).toBe('permissions.fs_read["../**"]');
    expect(rejection({ permissions: { web_fetch: { "http://x.example/": "deny" } } }).path).toBe('permissions.web_fetch["http://x.example/"]');
    expect(rejection({ permissions: { "jira__*": "ask" } }).message).toMatch(/permissions\["jira__\*"\]: no MCP server "jira" in mcpServers/);
    expect(rejection({ sandbox: "strict" }).path).toBe("sandbox");
    expect(rejection({ sandbox: { mode: "auto", netwrok: true } }).path).toBe("sandbox.netwrok");
  });

  it("an unknown key deep inside (strict objects everywhere)", () => {
    expect(rejection({ aliases: { fast: [{ ...fast[0], modle: "x" }] } }).message).toMatch(
      /^\.escapement\.json: aliases\.fast\[0\]\.modle: unknown key \(allowed: provider, model, temperature, topP, maxTokens, thinking, promptCaching, headersTimeoutMs, responseTimeoutMs\); did you mean "model"\?$/,
    );
    expect(rejection({ credentials: [{ name: "a", kind: "anthropic", apiKey: "sk-..." }] }).path).toBe("credentials[0].apiKey");
    expect(rejection({ credentialSources: { vault: { file: "/k.json", format: "json" } } }).path).toBe("credentialSources.vault.format");
    expect(rejection({ catalog: { "anthropic:x": { contextWindow: 1, price: 3 } } }).path).toBe('catalog["anthropic:x"].price');
    expect(rejection({ catalog: { "anthropic:x": { pricing: { in: 3 } } } }).path).toBe('catalog["anthropic:x"].pricing.in');
    expect(rejection({ aliases: { fast: [{ ...fast[0], thinking: { budget: 5 } }] } }).issues.map((i) => i.path)).toEqual([
      "aliases.fast[0].thinking.budgetTokens",
      "aliases.fast[0].thinking.budget",
    ]);
    expect(rejection({ aliases: { fast: [{ ...fast[0], thinking: { budgetTokens: 0 } }] } }).message).toBe(
      ".escapement.json: aliases.fast[0].thinking.budgetTokens: value must be > 0",
    );
  });

  it("a dangling alias in preferences", () => {
    const error = rejection({ aliases: { fast, smart: fast }, preferences: ["smart", "fsat"] });
    expect(error.message).toBe('.escapement.json: preferences[1]: unknown alias "fsat" (known: fast, smart); did you mean "fast"?');
  });

  it("a dangling alias in ratings, and an alias listed twice in preferences", () => {
    expect(rejection({ aliases: { fast }, ratings: { smart: { quality: 5 } } }).message).toBe(
      '.escapement.json: ratings.smart: unknown alias "smart" (known: fast)',
    );
    expect(rejection({ aliases: { fast }, preferences: ["fast", "fast"] }).message).toBe('.escapement.json: preferences[1]: alias "fast" is listed twice');
  });

  it("a missing key store file", () => {
    const config = {
      credentials: [{ name: "anthropic", kind: "anthropic", keyFrom: ["vault", "anthropic", "key"] }],
      credentialSources: { vault: { file: "~/.secrets/keys.json" } },
    };
    expect(rejection(config).message).toBe(".escapement.json: credentialSources.vault.file: key store file not found: /home/me/.secrets/keys.json");
  });

  it("a key path missing inside a key store, and a key that is not a string", () => {
    const config = (keyFrom: string[]) => ({
      credentials: [{ name: "anthropic", kind: "anthropic", keyFrom }],
      credentialSources: { vault: { file: "/keys.json" } },
    });
    const store = { "/keys.json": json({ anthropic: { key: "sk-1", nested: { n: 3 } } }) };
    expect(rejection(config(["vault", "anthropic", "token"]), store).message).toBe(
      '.escapement.json: credentials[0].keyFrom: key store "vault" (/keys.json) has no anthropic.token',
    );
    expect(rejection(config(["vault", "openai", "key"]), store).message).toMatch(/has no openai$/);
    expect(rejection(config(["vault", "anthropic", "nested"]), store).message).toMatch(
      /credentials\[0\]\.keyFrom: key store "vault" \(\/keys\.json\): anthropic\.nested is not a non-empty string$/,
    );
  });

  it("a key store that is not JSON: line and column, never its contents", () => {
    const config = {
      credentials: [{ name: "anthropic", kind: "anthropic", keyFrom: ["vault", "k"] }],
      credentialSources: { vault: { file: "/keys.json" } },
    };
    const error = rejection(config, { "/keys.json": '{\n  "k": "sk-ant-SECRET-VALUE",\n  oops\n}' });
    expect(error.message).toBe(".escapement.json: credentialSources.vault.file: key store /keys.json is not valid JSON (line 3, column 3)");
    expect(error.message).not.toContain("SECRET");
  });

  it("a target naming an unknown provider", () => {
    const error = rejection({ aliases: { fast: [target("antropic", "claude-3-5-haiku-latest")] } });
    expect(error.message).toBe(
      '.escapement.json: aliases.fast[0].provider: unknown provider "antropic" (known: anthropic, openai, openrouter, zai, ollama); did you mean "anthropic"?',
    );
  });

  it("a target naming a built-in kind that a credentials entry replaced", () => {
    const error = rejection({
      credentials: [{ name: "work", kind: "anthropic" }],
      aliases: { fast: [target("work", "m"), target("anthropic", "m")] },
    });
    expect(error.path).toBe("aliases.fast[1].provider");
    expect(error.message).toContain('credentials entry "work" replaces the built-in "anthropic"');
    expect(error.message).toContain("(known: work, openai, openrouter, zai, ollama)");
  });

  it("an empty alias list", () => {
    expect(rejection({ aliases: { fast: [] } }).message).toBe(".escapement.json: aliases.fast: an alias lists at least one target");
  });

  it("invalid JSON, with line and column", () => {
    const text = '{\n  "aliases": {\n    "fast": [\n      { "provider": "anthropic", "model": "x", }\n    ]\n  }\n}\n';
    const error = rejection(text);
    expect(error.issues[0]).toMatchObject({ path: "(root)", line: 4, column: 48 });
    expect(error.message).toBe(".escapement.json:4:48: (root): invalid JSON: trailing comma before }");
  });

  it.each([
    ["", 1, 1, "expected a value, found end of input"],
    ["{", 1, 2, "expected a double-quoted string, found end of input"],
    ['{"a": tru}', 1, 10, 'expected "true", found character "}"'],
    ['{"a": 1}\n{"b": 2}', 2, 1, "expected end of input after the JSON value"],
    ["{'a': 1}", 1, 2, "expected a double-quoted string"],
    ['{"a": "line\nbreak"}', 1, 12, "control character in string"],
    ['// comment\n{"a": 1}', 1, 1, "expected a value"],
    ["[1, 2,]", 1, 7, "trailing comma before ]"],
  ])("invalid JSON %j is located at %i:%i", (text, line, column, message) => {
    const issue = rejection(text).issues[0];
    expect(issue).toMatchObject({ line, column });
    expect(issue?.message).toContain(message);
  });

  it("a __proto__ key anywhere", () => {
    expect(rejection('{"aliases": {"__proto__": [{"provider": "anthropic", "model": "x"}]}}').message).toBe(
      '.escapement.json: aliases.__proto__: reserved key "__proto__"',
    );
    expect(rejection('{"ratings": {"fast": {"__proto__": {"x": 1}}}}').path).toBe("ratings.fast.__proto__");
  });

  it("a root that is not an object", () => {
    for (const text of ["[]", "null", "3", '"x"']) {
      expect(rejection(text).message).toBe(".escapement.json: (root): the config is a JSON object");
    }
  });

  it("credentials problems: unknown kind, duplicate name, both key sources, unknown key store, missing baseURL", () => {
    expect(rejection({ credentials: [{ name: "a", kind: "antropic" }] }).message).toBe(
      '.escapement.json: credentials[0].kind: unknown provider kind "antropic" (known: anthropic, openai, openrouter, ollama, zai, openai-compatible); did you mean "anthropic"?',
    );
    expect(
      rejection({
        credentials: [
          { name: "a", kind: "openai" },
          { name: "a", kind: "anthropic" },
        ],
      }).message,
    ).toBe('.escapement.json: credentials[1].name: duplicate provider name "a" (also credentials[0])');
    const both = { name: "a", kind: "openai", apiKeyEnv: "A_KEY", keyFrom: ["vault", "a"] };
    expect(rejection({ credentials: [both], credentialSources: { vault: { file: "/k.json" } } }).message).toBe(
      ".escapement.json: credentials[0]: give apiKeyEnv or keyFrom, not both",
    );
    expect(rejection({ credentials: [{ name: "a", kind: "openai", keyFrom: ["valt", "a"] }], credentialSources: { vault: { file: "/k" } } }).message).toBe(
      '.escapement.json: credentials[0].keyFrom[0]: unknown key store "valt" (known: vault); did you mean "vault"?',
    );
    expect(rejection({ credentials: [{ name: "a", kind: "openai", keyFrom: ["vault"] }] }).path).toBe("credentials[0].keyFrom");
    expect(rejection({ credentials: [{ name: "vllm", kind: "openai-compatible" }] }).message).toBe(
      '.escapement.json: credentials[0].baseURL: required for kind "openai-compatible"',
    );
    expect(rejection({ credentials: [{ name: "v", kind: "openai-compatible", baseURL: "ftp://x" }] }).message).toBe(
      ".escapement.json: credentials[0].baseURL: baseURL must be an http(s) URL",
    );
    expect(rejection({ credentials: [{ name: "a:b", kind: "openai" }] }).path).toBe("credentials[0].name");
    expect(rejection({ credentials: [{ name: "a", kind: "openai", apiKeyEnv: "NOT-AN-ENV" }] }).path).toBe("credentials[0].apiKeyEnv");
    expect(rejection({ credentials: [{ name: "a", kind: "openai", headers: { "X-A": 1 } }] }).message).toBe(
      ".escapement.json: credentials[0].headers.X-A: expected string, got number",
    );
  });

  it("type and range errors name the path", () => {
    expect(rejection({ aliases: { fast: [{ provider: "anthropic" }] } }).message).toBe(".escapement.json: aliases.fast[0].model: missing (expected string)");
    expect(rejection({ aliases: { fast: [{ ...fast[0], temperature: 3 }] } }).message).toBe(
      ".escapement.json: aliases.fast[0].temperature: value must be <= 2",
    );
    expect(rejection({ aliases: { fast: [{ ...fast[0], maxTokens: 0 }] } }).path).toBe("aliases.fast[0].maxTokens");
    expect(rejection({ aliases: { fast: [{ ...fast[0], thinking: "on" }] } }).message).toBe(
      '.escapement.json: aliases.fast[0].thinking: expected true, false or {"budgetTokens": <tokens>}',
    );
    expect(rejection({ aliases: { fast }, eligibilityStrict: "yes" }).message).toBe(".escapement.json: eligibilityStrict: expected boolean, got string");
    expect(rejection({ aliases: { fast }, preferences: "fast" }).path).toBe("preferences");
    expect(rejection({ aliases: { "a:b": fast } }).message).toBe('.escapement.json: aliases["a:b"]: bad key: an alias name is letters, digits, _ . - (no :)');
  });

  it("catalog problems: a key without a provider, an unknown provider, a bad fact", () => {
    expect(rejection({ catalog: { "claude-x": {} } }).message).toBe('.escapement.json: catalog.claude-x: bad key: a catalog key is "<provider>:<model>"');
    expect(rejection({ catalog: { "antropic:claude-x": { vision: true } } }).message).toMatch(
      /^\.escapement\.json: catalog\["antropic:claude-x"\]: unknown provider "antropic"/,
    );
    expect(rejection({ catalog: { "anthropic:x": { contextWindow: -5 } } }).path).toBe('catalog["anthropic:x"].contextWindow');
    expect(rejection({ catalog: { "anthropic:x": { pricing: { input: -1 } } } }).path).toBe('catalog["anthropic:x"].pricing.input');
  });

  it("an environment base URL that is not a URL", () => {
    expect(rejection({}, {}, { ANTHROPIC_BASE_URL: "not a url" }).message).toBe('.escapement.json: env ANTHROPIC_BASE_URL: not an http(s) URL: "not a url"');
  });

  it("lists every problem, one per line", () => {
    const error = rejection({ aliases: { fast: [], slow: [target("nope", "m")] }, preferences: ["gone"], extra: true });
    expect(error.issues.map((issue) => issue.path)).toEqual(["aliases.fast", "extra"]);
    // Schema problems first; cross-key checks run once the shape is right.
    const second = rejection({ aliases: { slow: [target("nope", "m")] }, preferences: ["gone"] });
    expect(second.issues.map((issue) => issue.path)).toEqual(["aliases.slow[0].provider", "preferences[0]"]);
    expect(second.message.split("\n")).toHaveLength(2);
  });
});

describe("nothing crashes", () => {
  /** Every sub-value replaced by each of a few odd values: load either succeeds or throws ConfigError. */
  it("odd values anywhere give a ConfigError, never another exception", () => {
    const base = {
      $schema: "x",
      aliases: { fast: [{ provider: "anthropic", model: "m", temperature: 0.5, thinking: { budgetTokens: 10 } }] },
      preferences: ["fast"],
      ratings: { fast: { q: 1 } },
      eligibilityStrict: true,
      credentials: [{ name: "v", kind: "openai-compatible", baseURL: "http://h/v1", keyFrom: ["s", "a", "b"], headers: { h: "v" } }],
      credentialSources: { s: { file: "/s.json" } },
      catalog: { "v:m": { contextWindow: 5, pricing: { input: 1 } } },
    };
    const store = { "/s.json": json({ a: { b: "key" } }) };
    expect(() => load(base, store)).not.toThrow();
    const odd: unknown[] = [null, 0, -1, "", "x", true, [], {}, [null], { "": 1 }, "__proto__", { __proto__: { polluted: 1 } }];
    const paths: Array<Array<string | number>> = [];
    const walk = (value: unknown, path: Array<string | number>): void => {
      paths.push(path);
      if (value && typeof value === "object") {
        for (const [key, child] of Object.entries(value)) walk(child, [...path, Array.isArray(value) ? Number(key) : key]);
      }
    };
    walk(base, []);
    let rejected = 0;
    for (const path of paths) {
      for (const replacement of odd) {
        const copy = structuredClone(base) as Record<string, unknown>;
        if (path.length === 0) continue;
        let parent: Record<string | number, unknown> = copy;
        for (const segment of path.slice(0, -1)) parent = parent[segment] as Record<string | number, unknown>;
        parent[path.at(-1) as string | number] = replacement;
        try {
          load(copy, store);
        } catch (error) {
          expect(error, `${JSON.stringify(path)} = ${JSON.stringify(replacement)}`).toBeInstanceOf(ConfigError);
          expect((error as ConfigError).issues.length).toBeGreaterThan(0);
          rejected++;
        }
      }
    }
    expect(rejected).toBeGreaterThan(100);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("truncated config text at every length gives a ConfigError with a line and column", () => {
    const text = json({ aliases: { fast: [{ provider: "anthropic", model: "m\u00e9" }] }, preferences: ["fast"] });
    for (let length = 0; length < text.length - 1; length++) {
      const prefix = text.slice(0, length);
      let error: unknown;
      try {
        parseProjectConfig(prefix, "f");
      } catch (caught) {
        error = caught;
      }
      expect(error, JSON.stringify(prefix)).toBeInstanceOf(ConfigError);
      const issue = (error as ConfigError).issues[0];
      if (prefix.trim() !== "" || length === 0) expect(issue?.line, JSON.stringify(prefix)).toBeGreaterThanOrEqual(1);
    }
  });
});
