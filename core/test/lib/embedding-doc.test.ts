/**
 * docs/embedding.md documents every option and every public event type, and shows the issues
 * validateOptions really gives. (Its examples are run from an installed project, with what they
 * print compared with the page, by tests/install/.)
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { publicEventTypes, validateOptions } from "../../src/index.js";
import { runOptionNames } from "../../src/lib/options.js";
import { scriptedModel } from "../../src/llm/index.js";
import { repo } from "./helpers.js";

const page = readFileSync(join(repo, "docs/embedding.md"), "utf8");

describe("docs/embedding.md", () => {
  it("documents every option", () => {
    for (const name of runOptionNames) expect(page).toContain(`| \`${name}\` |`);
  });

  it("documents every public event type", () => {
    for (const type of publicEventTypes) expect(page).toContain(`| \`${type}\` |`);
  });

  it("shows the issues validateOptions really gives for its bad-input example", () => {
    const result = validateOptions({ chart: { id: "x" }, modle: scriptedModel([]), credentials: { antropic: "k" } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((issue) => issue.path)).toEqual(["chart.machine", "modle", "credentials.antropic", "model"]);
    for (const issue of result.issues) {
      const shown = issue.message.replace(/ \(known: chart, model, .*\)/, " (known: chart, model, ...)").replaceAll('"', '\\"');
      expect(page).toContain(`{ path: "${issue.path}", message: "${shown}" }`);
    }
  });
});
