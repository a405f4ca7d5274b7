/**
 * The config's target schema and the model layer's `ModelTarget` must describe the same thing:
 * when a generation param is added to one and not the other, `tsc -p core` fails here.
 */
import type { z } from "zod";
import { describe, expect, it } from "vitest";
import { modelTargetSchema, parseProjectConfig } from "../../src/config/index.js";
import type { ModelTarget } from "../../src/llm/target.js";

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Keys<T> = keyof T;

const sameShape: Same<z.output<typeof modelTargetSchema>, ModelTarget> = true;
const sameKeys: Same<Keys<z.output<typeof modelTargetSchema>>, Keys<ModelTarget>> = true;

describe("ModelTarget contract", () => {
  it("the config's targets are ModelTargets with every generation param", () => {
    expect(sameShape && sameKeys).toBe(true);
    const config = parseProjectConfig(
      {
        aliases: {
          a: [
            { provider: "anthropic", model: "m", temperature: 1, topP: 0.5, maxTokens: 10, thinking: true, promptCaching: { system: true, tools: false } },
            { provider: "openai", model: "m", promptCaching: false, thinking: { budgetTokens: 100 } },
          ],
        },
      },
      "f",
    );
    const targets: ModelTarget[] = config.aliases.a ?? [];
    expect(targets[0]?.promptCaching).toEqual({ system: true, tools: false });
    expect(() => parseProjectConfig({ aliases: { a: [{ provider: "anthropic", model: "m", promptCaching: { everything: true } }] } }, "f")).toThrow(
      /aliases\.a\[0\]\.promptCaching\.everything: unknown key/,
    );
  });
});
