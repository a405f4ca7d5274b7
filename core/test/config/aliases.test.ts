import { describe, expect, it } from "vitest";
import { aliasNames, emptyProjectConfig, parseProjectConfig, resolveAlias } from "../../src/config/index.js";
import { LlmError } from "../../src/llm/llm-error.js";

const config = parseProjectConfig(
  JSON.stringify({
    aliases: {
      fast: [
        { provider: "anthropic", model: "claude-3-5-haiku-latest", temperature: 0.2 },
        { provider: "openrouter", model: "openai/gpt-4o-mini" },
      ],
      smart: [{ provider: "anthropic", model: "claude-sonnet-4-0", thinking: { budgetTokens: 2000 } }],
    },
  }),
  ".escapement.json",
);

const thrown = (fn: () => unknown): LlmError => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(LlmError);
    return error as LlmError;
  }
  throw new Error("expected a throw");
};

describe("resolveAlias", () => {
  it("gives the alias's targets in order, with their generation params", () => {
    expect(resolveAlias(config, "fast")).toEqual([
      { provider: "anthropic", model: "claude-3-5-haiku-latest", temperature: 0.2 },
      { provider: "openrouter", model: "openai/gpt-4o-mini" },
    ]);
    expect(resolveAlias(config, "smart")[0]?.thinking).toEqual({ budgetTokens: 2000 });
    expect(aliasNames(config)).toEqual(["fast", "smart"]);
  });

  it("returns copies: changing them does not change the config", () => {
    const targets = resolveAlias(config, "fast");
    (targets[0] as { model: string }).model = "changed";
    targets.pop();
    expect(resolveAlias(config, "fast")).toHaveLength(2);
    expect(resolveAlias(config, "fast")[0]?.model).toBe("claude-3-5-haiku-latest");
  });

  it("throws LlmError unknown-alias naming the alias and the known ones", () => {
    const error = thrown(() => resolveAlias(config, "fsat"));
    expect(error.category).toBe("unknown-alias");
    expect(error.transient).toBe(false);
    expect(error.message).toBe('unknown model alias "fsat": (known: fast, smart); did you mean "fast"?');
  });

  it("does not resolve inherited object keys", () => {
    expect(thrown(() => resolveAlias(config, "constructor")).category).toBe("unknown-alias");
    expect(thrown(() => resolveAlias(config, "__proto__")).category).toBe("unknown-alias");
  });

  it("says when no aliases are configured at all", () => {
    expect(thrown(() => resolveAlias(emptyProjectConfig(), "fast")).message).toBe(
      'unknown model alias "fast": no aliases are configured (add them under "aliases" in .escapement.json)',
    );
  });
});
