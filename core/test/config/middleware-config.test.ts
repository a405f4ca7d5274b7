/** `.escapement.json` `middleware`: module paths, or entries limited to aliases; every problem named by key path. */
import { describe, expect, it } from "vitest";
import { ConfigError, parseProjectConfig } from "../../src/config/index.js";
import { target } from "./helpers.js";

const aliases = { fast: [target("anthropic", "claude-3-5-haiku-latest")], smart: [target("anthropic", "claude-sonnet-4-0")] };

const issuesOf = (middleware: unknown): string[] => {
  try {
    parseProjectConfig({ aliases, middleware }, ".escapement.json");
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.message.split("\n");
  }
  throw new Error("expected the config to be rejected");
};

describe(".escapement.json middleware", () => {
  it("takes module paths and entries { module, aliases?, name? }, in order; none by default", () => {
    const config = parseProjectConfig({ aliases, middleware: ["./mw/house.mjs", { module: "./mw/audit.ts", aliases: ["smart"], name: "audit" }] }, "f");
    expect(config.middleware).toEqual(["./mw/house.mjs", { module: "./mw/audit.ts", aliases: ["smart"], name: "audit" }]);
    expect(parseProjectConfig({}, "f").middleware).toEqual([]);
  });

  it("names each problem by its key path", () => {
    expect(issuesOf("./mw/house.mjs")).toEqual([".escapement.json: middleware: expected array, got string"]);
    expect(issuesOf([""])).toEqual([expect.stringMatching(/^\.escapement\.json: middleware\[0\]: /)]);
    expect(issuesOf([{ module: "./a.mjs", alias: ["fast"] }])).toEqual([
      '.escapement.json: middleware[0].alias: unknown key (allowed: module, aliases, name); did you mean "aliases"?',
    ]);
    expect(issuesOf([{ aliases: ["fast"] }])).toEqual([".escapement.json: middleware[0].module: missing (expected string)"]);
    expect(issuesOf(["./a.mjs", { module: "./b.mjs", aliases: ["fsat"] }])).toEqual([
      '.escapement.json: middleware[1].aliases[0]: unknown alias "fsat" (known: fast, smart); did you mean "fast"?',
    ]);
  });
});
