import { describe, expect, it } from "vitest";
import { loadProjectConfig, ollamaBaseURL, type ResolvedProvider } from "../../src/config/index.js";
import { json, memFs } from "./helpers.js";

const FILE = "/proj/.escapement.json";

const providersOf = (config: unknown, env: Record<string, string> = {}, extra: Record<string, string> = {}) => {
  const fs = memFs({ [FILE]: json(config), ...extra });
  const loaded = loadProjectConfig({ cwd: "/proj", env, homeDir: "/home/me", readFile: fs.readFile });
  return { providers: loaded.providers, reads: fs.reads, byName: (name: string) => loaded.providers.find((p) => p.name === name) };
};

/** A provider without its Secret object, plus what the key reveals. */
const plain = (provider: ResolvedProvider | undefined) => {
  if (!provider) return undefined;
  const { apiKey, ...rest } = provider;
  return { ...rest, key: apiKey?.reveal() };
};

describe("env autodetection (no credentials entry for a kind)", () => {
  it("finds each built-in kind's key in its usual variable, with the kind's default base URL", () => {
    const env = { ANTHROPIC_API_KEY: "a", OPENAI_API_KEY: "o", OPENROUTER_API_KEY: "r", ZAI_API_KEY: "z" };
    const { providers } = providersOf({}, env);
    expect(providers.map(plain)).toEqual([
      {
        name: "anthropic",
        kind: "anthropic",
        baseURL: "https://api.anthropic.com/v1",
        baseURLSource: "default",
        keySource: "env ANTHROPIC_API_KEY",
        autodetected: true,
        key: "a",
      },
      {
        name: "openai",
        kind: "openai",
        baseURL: "https://api.openai.com/v1",
        baseURLSource: "default",
        keySource: "env OPENAI_API_KEY",
        autodetected: true,
        key: "o",
      },
      {
        name: "openrouter",
        kind: "openrouter",
        baseURL: "https://openrouter.ai/api/v1",
        baseURLSource: "default",
        keySource: "env OPENROUTER_API_KEY",
        autodetected: true,
        key: "r",
      },
      {
        name: "zai",
        kind: "zai",
        baseURL: "https://api.z.ai/api/paas/v4",
        baseURLSource: "default",
        keySource: "env ZAI_API_KEY",
        autodetected: true,
        key: "z",
      },
      {
        name: "ollama",
        kind: "ollama",
        baseURL: "http://127.0.0.1:11434/v1",
        baseURLSource: "default",
        keySource: "env OLLAMA_API_KEY",
        autodetected: true,
        key: undefined,
      },
    ]);
  });

  it("lists a built-in provider without a key when its variable is unset or empty", () => {
    const { byName } = providersOf({}, { ANTHROPIC_API_KEY: "" });
    expect(byName("anthropic")?.apiKey).toBeUndefined();
    expect(byName("anthropic")?.keySource).toBe("env ANTHROPIC_API_KEY");
  });

  it("takes base URLs from OLLAMA_HOST, ANTHROPIC_BASE_URL and OPENAI_BASE_URL", () => {
    const { byName } = providersOf(
      {},
      {
        OLLAMA_HOST: "gpu-box:9999",
        ANTHROPIC_BASE_URL: "https://proxy.example/anthropic/v1/",
        OPENAI_BASE_URL: "https://proxy.example/openai/v1",
      },
    );
    expect(byName("ollama")).toMatchObject({ baseURL: "http://gpu-box:9999/v1", baseURLSource: "env OLLAMA_HOST" });
    expect(byName("anthropic")).toMatchObject({ baseURL: "https://proxy.example/anthropic/v1", baseURLSource: "env ANTHROPIC_BASE_URL" });
    expect(byName("openai")?.baseURL).toBe("https://proxy.example/openai/v1");
  });

  it("reads only the env it is given, never process.env", () => {
    const saved = process.env.ANTHROPIC_API_KEY;
    process.env.ANTHROPIC_API_KEY = "from-process-env";
    try {
      expect(providersOf({}, {}).byName("anthropic")?.apiKey).toBeUndefined();
    } finally {
      if (saved === undefined) delete process.env.ANTHROPIC_API_KEY;
      else process.env.ANTHROPIC_API_KEY = saved;
    }
  });
});

describe("OLLAMA_HOST as the ollama CLI reads it", () => {
  it.each([
    ["", "http://127.0.0.1:11434/v1"],
    ["0.0.0.0", "http://0.0.0.0:11434/v1"],
    ["localhost:8080", "http://localhost:8080/v1"],
    [":8080", "http://127.0.0.1:8080/v1"],
    ["http://gpu", "http://gpu:80/v1"],
    ["https://ollama.example.com", "https://ollama.example.com:443/v1"],
    ["https://ollama.example.com:8443/", "https://ollama.example.com:8443/v1"],
    ['"gpu:1234"', "http://gpu:1234/v1"],
    ["[::1]:11434", "http://[::1]:11434/v1"],
    ["::1", "http://[::1]:11434/v1"],
  ])("%j -> %s", (host, url) => {
    expect(ollamaBaseURL(host)).toBe(url);
  });
});

describe("credentials entries", () => {
  it("come first, in order, then the built-in kinds they do not replace", () => {
    const config = {
      credentials: [
        { name: "work-vllm", kind: "openai-compatible", baseURL: "http://gpu:8000/v1/", apiKeyEnv: "VLLM_KEY", headers: { "X-Team": "a" } },
        { name: "claude", kind: "anthropic", apiKeyEnv: "WORK_ANTHROPIC_KEY" },
      ],
    };
    const { providers, byName } = providersOf(config, { VLLM_KEY: "v", WORK_ANTHROPIC_KEY: "w", ANTHROPIC_API_KEY: "ignored" });
    expect(providers.map((p) => p.name)).toEqual(["work-vllm", "claude", "openai", "openrouter", "zai", "ollama"]);
    expect(plain(byName("work-vllm"))).toEqual({
      name: "work-vllm",
      kind: "openai-compatible",
      baseURL: "http://gpu:8000/v1",
      baseURLSource: "config",
      headers: { "X-Team": "a" },
      keySource: "env VLLM_KEY",
      autodetected: false,
      key: "v",
    });
    expect(plain(byName("claude"))).toMatchObject({
      kind: "anthropic",
      baseURL: "https://api.anthropic.com/v1",
      keySource: "env WORK_ANTHROPIC_KEY",
      key: "w",
    });
  });

  it("default to the kind's usual key variable; openai-compatible has none", () => {
    const config = {
      credentials: [
        { name: "anthropic", kind: "anthropic", baseURL: "https://gateway.example/v1" },
        { name: "local", kind: "openai-compatible", baseURL: "http://localhost:1234/v1" },
      ],
    };
    const { byName } = providersOf(config, { ANTHROPIC_API_KEY: "a" });
    expect(plain(byName("anthropic"))).toMatchObject({ baseURL: "https://gateway.example/v1", keySource: "env ANTHROPIC_API_KEY", key: "a" });
    expect(byName("local")?.keySource).toBeUndefined();
    expect(byName("local")?.apiKey).toBeUndefined();
  });

  it("a name taken by an entry of another kind hides the built-in of that name", () => {
    const { providers } = providersOf({ credentials: [{ name: "openai", kind: "openrouter" }] });
    expect(providers.map((p) => `${p.name}/${p.kind}`)).toEqual(["openai/openrouter", "anthropic/anthropic", "zai/zai", "ollama/ollama"]);
  });
});

describe("key stores", () => {
  const storeConfig = {
    credentials: [
      { name: "anthropic", kind: "anthropic", keyFrom: ["vault", "anthropic", "key"] },
      { name: "openai", kind: "openai", keyFrom: ["vault", "openai", "keys", "0"] },
      { name: "or", kind: "openrouter", keyFrom: ["other", "token"] },
    ],
    credentialSources: { vault: { file: "~/.config/escapement/keys.json" }, other: { file: "secrets/or.json" }, unused: { file: "/nope.json" } },
  };
  const files = {
    "/home/me/.config/escapement/keys.json": json({ anthropic: { key: "sk-ant" }, openai: { keys: ["sk-oai-0", "sk-oai-1"] } }),
    "/proj/secrets/or.json": json({ token: "sk-or" }),
  };

  it("walk the JSON path of keyFrom (~ is the home directory; relative paths are relative to the config file)", () => {
    const { byName } = providersOf(storeConfig, {}, files);
    expect(plain(byName("anthropic"))).toMatchObject({ keySource: "keyFrom vault.anthropic.key", key: "sk-ant" });
    expect(plain(byName("openai"))).toMatchObject({ keySource: "keyFrom vault.openai.keys.0", key: "sk-oai-0" });
    expect(plain(byName("or"))).toMatchObject({ keySource: "keyFrom other.token", key: "sk-or" });
  });

  it("are read once per load, and only when a key needs them", () => {
    const { reads } = providersOf(storeConfig, {}, files);
    const storeReads = reads.filter((path) => path !== FILE);
    expect(storeReads).toEqual(["/home/me/.config/escapement/keys.json", "/proj/secrets/or.json"]);
  });

  it("are not cached across loads: a second load reads the store again and sees a changed key", () => {
    const mutable: Record<string, string> = { [FILE]: json(storeConfig), ...files };
    const fs = memFs(mutable);
    const first = loadProjectConfig({ cwd: "/proj", env: {}, homeDir: "/home/me", readFile: fs.readFile });
    mutable["/proj/secrets/or.json"] = json({ token: "sk-or-rotated" });
    const second = loadProjectConfig({ cwd: "/proj", env: {}, homeDir: "/home/me", readFile: fs.readFile });
    expect(first.providers.find((p) => p.name === "or")?.apiKey?.reveal()).toBe("sk-or");
    expect(second.providers.find((p) => p.name === "or")?.apiKey?.reveal()).toBe("sk-or-rotated");
    expect(fs.reads.filter((path) => path === "/proj/secrets/or.json")).toHaveLength(2);
  });

  it("take ~ from env.HOME when no homeDir is given", () => {
    const fs = memFs({ [FILE]: json(storeConfig), ...files });
    const loaded = loadProjectConfig({ cwd: "/proj", env: { HOME: "/home/me" }, readFile: fs.readFile });
    expect(loaded.providers[0]?.apiKey?.reveal()).toBe("sk-ant");
    expect(() => loadProjectConfig({ cwd: "/proj", env: {}, readFile: fs.readFile })).toThrow(
      /credentialSources\.vault\.file: cannot expand ~ .*HOME is not set/,
    );
  });
});
