import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, emptyProjectConfig, findProjectConfig, loadProjectConfig, type LoadedProjectConfig } from "../../src/config/index.js";
import { json, memFs, target, tempTree } from "./helpers.js";

const minimal = { aliases: { fast: [target("anthropic", "claude-3-5-haiku-latest")] } };

describe("findProjectConfig", () => {
  let cleanup = (): void => {};
  afterEach(() => cleanup());

  it("walks up from the working directory to the nearest .escapement.json (real files)", () => {
    const tree = tempTree({ ".escapement.json": json(minimal), "a/b/c/.keep": "", "a/other/.escapement.json": "{}" });
    cleanup = tree.cleanup;
    expect(findProjectConfig(join(tree.root, "a", "b", "c"))).toBe(join(tree.root, ".escapement.json"));
    expect(findProjectConfig(join(tree.root, "a", "other"))).toBe(join(tree.root, "a", "other", ".escapement.json"));
    expect(findProjectConfig(tree.root)).toBe(join(tree.root, ".escapement.json"));
  });

  it("stops at the filesystem root and returns undefined when there is none", () => {
    const fs = memFs({});
    expect(findProjectConfig("/x/y/z", fs)).toBeUndefined();
    expect(fs.reads).toEqual(["/x/y/z/.escapement.json", "/x/y/.escapement.json", "/x/.escapement.json", "/.escapement.json"]);
  });

  it("a read failure other than not-found is a ConfigError naming the file", () => {
    const readFile = (): string => {
      throw Object.assign(new Error("denied"), { code: "EACCES" });
    };
    expect(() => findProjectConfig("/p", { readFile })).toThrow(ConfigError);
    expect(() => findProjectConfig("/p", { readFile })).toThrow(/\.escapement\.json: \(root\): cannot read: EACCES/);
  });
});

describe("loadProjectConfig", () => {
  it("returns the parsed config, its path and the resolved providers", () => {
    const fs = memFs({ "/proj/.escapement.json": json(minimal) });
    const loaded = loadProjectConfig({ cwd: "/proj/src/deep", env: { ANTHROPIC_API_KEY: "k" }, readFile: fs.readFile });
    expect(loaded.path).toBe("/proj/.escapement.json");
    expect(loaded.config.aliases.fast).toEqual([target("anthropic", "claude-3-5-haiku-latest")]);
    expect(loaded.config.preferences).toEqual([]);
    expect(loaded.config.eligibilityStrict).toBe(false);
    expect(loaded.providers.map((p) => p.name)).toEqual(["anthropic", "openai", "openrouter", "zai", "ollama"]);
    expect(loaded.providers[0]?.apiKey?.reveal()).toBe("k");
  });

  it("without a config file: the empty config and the built-in providers from the environment", () => {
    const loaded = loadProjectConfig({ cwd: "/nowhere", env: { OPENAI_API_KEY: "o" }, readFile: memFs({}).readFile });
    expect(loaded.path).toBeUndefined();
    expect(loaded.config).toEqual(emptyProjectConfig());
    const openai = loaded.providers.find((p) => p.name === "openai");
    expect(openai?.apiKey?.reveal()).toBe("o");
    expect(openai?.autodetected).toBe(true);
  });

  it("loads an explicit configPath instead of searching; a missing one is an error", () => {
    const fs = memFs({ "/elsewhere/conf.json": json(minimal), "/proj/.escapement.json": "{}" });
    const loaded = loadProjectConfig({ cwd: "/proj", env: {}, readFile: fs.readFile, configPath: "/elsewhere/conf.json" });
    expect(loaded.path).toBe("/elsewhere/conf.json");
    expect(Object.keys(loaded.config.aliases)).toEqual(["fast"]);
    expect(() => loadProjectConfig({ cwd: "/proj", env: {}, readFile: fs.readFile, configPath: "missing.json" })).toThrow(
      /missing\.json: \(root\): file not found/,
    );
  });

  it("names the file relative to the working directory in errors, when that is shorter", () => {
    const fs = memFs({ "/home/user/project/.escapement.json": '{"bogus": 1}' });
    const load = (cwd: string) => () => loadProjectConfig({ cwd, env: {}, readFile: fs.readFile });
    expect(load("/home/user/project")).toThrow(/^\.escapement\.json: bogus: unknown key/);
    expect(load("/home/user/project/src")).toThrow(/^\.\.\/\.escapement\.json: bogus: unknown key/);
    expect(load("/home/user/project/a/b/c/d/e/f")).toThrow(/^\/home\/user\/project\/\.escapement\.json: bogus: unknown key/);
  });

  it("accepts a $schema key and a UTF-8 byte order mark", () => {
    const fs = memFs({ "/p/.escapement.json": `\uFEFF${json({ $schema: "./schema.json", ...minimal })}` });
    expect(loadProjectConfig({ cwd: "/p", env: {}, readFile: fs.readFile }).config.$schema).toBe("./schema.json");
  });

  it("loads from real files by default", () => {
    const tree = tempTree({ ".escapement.json": json(minimal), "sub/.keep": "" });
    try {
      const loaded: LoadedProjectConfig = loadProjectConfig({ cwd: join(tree.root, "sub"), env: {} });
      expect(loaded.path).toBe(join(tree.root, ".escapement.json"));
    } finally {
      tree.cleanup();
    }
  });

  it("keeps no state between loads: two loads with different files and envs are independent", () => {
    const a = memFs({ "/a/.escapement.json": json(minimal) });
    const b = memFs({ "/b/.escapement.json": json({ aliases: { smart: [target("openai", "gpt-4.1")] } }) });
    const first = loadProjectConfig({ cwd: "/a", env: { ANTHROPIC_API_KEY: "one" }, readFile: a.readFile });
    const second = loadProjectConfig({ cwd: "/b", env: {}, readFile: b.readFile });
    expect(Object.keys(first.config.aliases)).toEqual(["fast"]);
    expect(Object.keys(second.config.aliases)).toEqual(["smart"]);
    expect(first.providers[0]?.apiKey?.reveal()).toBe("one");
    expect(second.providers[0]?.apiKey).toBeUndefined();
  });
});
