/**
 * The config's target schema and the model layer's `ModelTarget` (plus the adapters'
 * `TargetTransport`) must describe the same thing: when a generation param or transport setting
 * is added to one and not the other, `tsc -p core` fails here.
 */
import type { z } from "zod";
import { describe, expect, it } from "vitest";
import { modelTargetSchema, parseProjectConfig } from "../../src/config/index.js";
import type { TargetTransport } from "../../src/llm/providers/index.js";
import type { ModelTarget } from "../../src/llm/target.js";

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Keys<T> = keyof T;

type ConfiguredTarget = ModelTarget & TargetTransport;

const sameShape: Same<z.output<typeof modelTargetSchema>, ConfiguredTarget> = true;
const sameKeys: Same<Keys<z.output<typeof modelTargetSchema>>, Keys<ConfiguredTarget>> = true;

describe("ModelTarget contract", () => {
  it("the config's targets are ModelTargets with every generation param", () => {
    expect(sameShape && sameKeys).toBe(true);
    const config = parseProjectConfig(
      {
        aliases: {
          a: [
            { provider: "anthropic", model: "m", temperature: 1, topP: 0.5, maxTokens: 10, thinking: true, promptCaching: { system: true, tools: false } },
            { provider: "openai", model: "m", promptCaching: false, thinking: { budgetTokens: 100 }, headersTimeoutMs: 5000 },
          ],
        },
      },
      "f",
    );
    const targets: ModelTarget[] = config.aliases.a ?? [];
    expect(targets[0]?.promptCaching).toEqual({ system: true, tools: false });
    expect(config.aliases.a?.map((target) => target.headersTimeoutMs)).toEqual([undefined, 5000]);
    const badTimeouts: [unknown, string][] = [
      [0, "value must be > 0"],
      [1.5, "expected int, got number"],
      [false, "expected number, got boolean"],
      ["30s", "expected number, got string"],
      [2_147_483_648, "value must be <= 2147483647"],
    ];
    for (const [bad, message] of badTimeouts) {
      expect(() => parseProjectConfig({ aliases: { a: [{ provider: "anthropic", model: "m", headersTimeoutMs: bad }] } }, "f"), String(bad)).toThrow(
        `f: aliases.a[0].headersTimeoutMs: ${message}`,
      );
    }
    expect(() => parseProjectConfig({ aliases: { a: [{ provider: "anthropic", model: "m", promptCaching: { everything: true } }] } }, "f")).toThrow(
      /aliases\.a\[0\]\.promptCaching\.everything: unknown key/,
    );
  });
});
