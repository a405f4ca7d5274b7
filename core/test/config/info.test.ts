/** `escapement info`: shows the config, providers and aliases; never a key (nor a header value). */
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import type { CliIo } from "../../src/cli/cli-io.js";
import { main } from "../../src/cli/main.js";
import { json, tempTree } from "./helpers.js";

const KEYS = {
  env: "sk-ant-ENVKEY-0123456789",
  store: "sk-or-STOREKEY-abcdef",
  vllm: "vllm-KEY-42",
  header: "Bearer HEADER-SECRET",
};

const config = {
  $schema: "../core/schema/escapement-config.schema.json",
  aliases: {
    fast: [
      { provider: "anthropic", model: "claude-3-5-haiku-latest", temperature: 0.2, maxTokens: 1024 },
      { provider: "router", model: "openai/gpt-4o-mini" },
    ],
    smart: [{ provider: "vllm", model: "qwen3-32b", thinking: { budgetTokens: 2000 }, topP: 0.9 }],
  },
  preferences: ["smart", "fast"],
  eligibilityStrict: true,
  credentials: [
    { name: "router", kind: "openrouter", keyFrom: ["vault", "openrouter", "key"], headers: { Authorization: KEYS.header } },
    { name: "vllm", kind: "openai-compatible", baseURL: "http://gpu:8000/v1", apiKeyEnv: "VLLM_KEY" },
  ],
  credentialSources: { vault: { file: "keys.json" } },
  catalog: { "vllm:qwen3-32b": { contextWindow: 32768 } },
};

const capture = (cwd: string, env: Record<string, string>) => {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const io: CliIo = { cwd, env, stdin: new PassThrough(), stdout, stderr, stdoutIsTty: false };
  return { io, out: () => out, err: () => err };
};

describe("escapement info", () => {
  let cleanup = (): void => {};
  afterEach(() => cleanup());

  const project = (files: Record<string, string>) => {
    const tree = tempTree(files);
    cleanup = tree.cleanup;
    return tree.root;
  };

  it("shows the config path, each provider's kind, base URL and key source and presence, and the aliases", async () => {
    const root = project({ ".escapement.json": json(config), "keys.json": json({ openrouter: { key: KEYS.store } }), "sub/.keep": "" });
    const run = capture(join(root, "sub"), { ANTHROPIC_API_KEY: KEYS.env, VLLM_KEY: KEYS.vllm, OLLAMA_HOST: "gpu:11434" });
    expect(await main(["info"], run.io)).toBe(0);
    const text = run.out();
    expect(text).toContain(`config: ${join(root, ".escapement.json")}`);
    const lines = text.split("\n");
    const line = (name: string) => lines.find((l) => l.startsWith(`  ${name} `)) ?? "";
    expect(line("router")).toMatch(
      /^ {2}router +openrouter +https:\/\/openrouter\.ai\/api\/v1 +key: keyFrom vault\.openrouter\.key \(set\) +headers: Authorization$/,
    );
    expect(line("vllm")).toMatch(/openai-compatible +http:\/\/gpu:8000\/v1 +key: env VLLM_KEY \(set\)$/);
    expect(line("anthropic")).toMatch(/anthropic +https:\/\/api\.anthropic\.com\/v1 +key: env ANTHROPIC_API_KEY \(set\) +built-in$/);
    expect(line("openai")).toMatch(/key: env OPENAI_API_KEY \(not set\) +built-in$/);
    expect(line("ollama")).toMatch(/http:\/\/gpu:11434\/v1 \(env OLLAMA_HOST\) +key: env OLLAMA_API_KEY \(not set, optional\)/);
    expect(line("openrouter")).toBe(""); // replaced by the "router" entry of kind openrouter
    expect(text).toContain("  fast: anthropic:claude-3-5-haiku-latest (temperature 0.2, maxTokens 1024), router:openai/gpt-4o-mini\n");
    expect(text).toContain("  smart: vllm:qwen3-32b (topP 0.9, thinking 2000 tokens)\n");
    expect(text).toContain("preferences: smart, fast\n");
    expect(text).toContain("eligibilityStrict: true\n");
    expect(text).toContain("catalog overlay: vllm:qwen3-32b\n");
    expect(run.err()).toBe("");
  });

  it("never prints a key or a header value (in-process and as a real CLI process)", async () => {
    const root = project({ ".escapement.json": json(config), "keys.json": json({ openrouter: { key: KEYS.store } }) });
    const env = { ANTHROPIC_API_KEY: KEYS.env, VLLM_KEY: KEYS.vllm, OPENAI_API_KEY: KEYS.env };
    const run = capture(root, env);
    await main(["info"], run.io);
    const cli = resolve(import.meta.dirname, "../../bin/escapement.mjs");
    const child = spawnSync(process.execPath, [cli, "info"], { cwd: root, env: { ...process.env, ...env }, encoding: "utf8" });
    expect(child.status).toBe(0);
    expect(child.stdout).toContain("key: keyFrom vault.openrouter.key (set)");
    for (const output of [run.out(), run.err(), child.stdout, child.stderr]) {
      for (const secret of Object.values(KEYS)) {
        expect(output).not.toContain(secret);
        expect(output).not.toContain(secret.slice(4, 14)); // not even a fragment
      }
    }
  });

  it("without a config: says so and lists the built-in providers", async () => {
    const root = project({});
    const run = capture(root, {});
    expect(await main(["info"], run.io)).toBe(0);
    expect(run.out()).toMatch(/config: none \(no \.escapement\.json in .* or above\)/);
    expect(run.out()).toContain(
      "aliases: none (charts run on their bundled cassette.jsonl, then their script.json for calls the cassette lacks; no model calls)",
    );
    expect(run.out()).toMatch(/ {2}anthropic +anthropic +https:\/\/api\.anthropic\.com\/v1 +key: env ANTHROPIC_API_KEY \(not set\)/);
  });

  it("a bad config: exit 2, the error with its key path on stderr, no key anywhere", async () => {
    const bad = { ...config, aliases: { fast: [{ provider: "antropic", model: "m" }] } };
    const root = project({ ".escapement.json": json(bad), "keys.json": json({ openrouter: { key: KEYS.store } }) });
    const run = capture(root, { ANTHROPIC_API_KEY: KEYS.env });
    expect(await main(["info"], run.io)).toBe(2);
    expect(run.out()).toContain("config: invalid (see below)");
    expect(run.err()).toBe(
      'escapement: .escapement.json: aliases.fast[0].provider: unknown provider "antropic" (known: router, vllm, anthropic, openai, zai, ollama); did you mean "anthropic"?\n' +
        '.escapement.json: preferences[0]: unknown alias "smart" (known: fast)\n',
    );
    for (const secret of Object.values(KEYS)) expect(run.out() + run.err()).not.toContain(secret);
  });
});
