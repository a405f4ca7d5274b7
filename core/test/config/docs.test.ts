/** Every config snippet in docs/config.md is valid (merged over the example), so the page cannot rot. */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseProjectConfig, projectConfigSchema } from "../../src/config/index.js";

const repo = resolve(import.meta.dirname, "../../..");
const page = readFileSync(resolve(repo, "docs/config.md"), "utf8");
const exampleText = readFileSync(resolve(repo, ".escapement.json.example"), "utf8");
const example = JSON.parse(exampleText) as Record<string, unknown>;
const configKeys = new Set(Object.keys(projectConfigSchema.shape));

const blocks = [...page.matchAll(/```json\n([\s\S]*?)```/g)].map((match) => match[1] as string);

const parseSnippet = (text: string): Record<string, unknown> | undefined => {
  for (const candidate of [text, `{${text}}`]) {
    try {
      return JSON.parse(candidate) as Record<string, unknown>;
    } catch {
      // try the next form
    }
  }
  return undefined;
};

/** Maps merge key by key; credentials merge by name; anything else is replaced. */
const mergeOverExample = (snippet: Record<string, unknown>): Record<string, unknown> => {
  const merged: Record<string, unknown> = { ...example };
  for (const [key, value] of Object.entries(snippet)) {
    const base = example[key];
    if (key === "credentials" && Array.isArray(base) && Array.isArray(value)) {
      const names = new Set(value.map((entry: { name: string }) => entry.name));
      merged[key] = [...value, ...base.filter((entry: { name: string }) => !names.has(entry.name))];
    } else if (base && typeof base === "object" && !Array.isArray(base) && value && typeof value === "object") {
      merged[key] = { ...base, ...value };
    } else {
      merged[key] = value;
    }
  }
  return merged;
};

describe("docs/config.md", () => {
  it("shows the committed example verbatim", () => {
    expect(blocks).toContain(exampleText);
  });

  it("has only valid config snippets", () => {
    let checked = 0;
    for (const block of blocks) {
      const snippet = parseSnippet(block);
      expect(snippet, block).toBeDefined();
      if (!snippet || !Object.keys(snippet).every((key) => configKeys.has(key))) continue; // e.g. a key store file
      expect(() => parseProjectConfig(mergeOverExample(snippet), "docs/config.md"), block).not.toThrow();
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(7);
  });
});

describe("docs/security.md", () => {
  const security = readFileSync(resolve(repo, "docs/security.md"), "utf8");
  const securityBlocks = [...security.matchAll(/```json\n([\s\S]*?)```/g)].map((match) => match[1] as string);

  it("has only valid config snippets", () => {
    expect(securityBlocks.length).toBeGreaterThanOrEqual(1);
    for (const block of securityBlocks) {
      const snippet = parseSnippet(block);
      expect(snippet, block).toBeDefined();
      expect(() => parseProjectConfig(mergeOverExample(snippet!), "docs/security.md"), block).not.toThrow();
    }
  });
});
