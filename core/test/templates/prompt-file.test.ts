import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TemplateError, loadPromptTemplate } from "../../src/templates/index.js";

const promptFile = async (text: string): Promise<string> => {
  const path = join(await mkdtemp(join(tmpdir(), "escapement-prompt-")), "plan.md");
  await writeFile(path, text);
  return path;
};

describe("loadPromptTemplate", () => {
  it("reads and renders a prompt file", async () => {
    const path = await promptFile("Plan how to {{ GOAL }}.\n");
    expect(await loadPromptTemplate(path, { GOAL: "ship" })).toBe("Plan how to ship.\n");
  });

  it("names the file when placeholders are unresolved", async () => {
    const path = await promptFile("{{GOAL}} within {{BUDGET}}");
    const error = await loadPromptTemplate(path, {}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TemplateError);
    expect(error).toMatchObject({ category: "unresolved", source: path, missing: ["GOAL", "BUDGET"] });
    expect((error as Error).message).toContain(path);
  });

  it("names the file when it cannot be read", async () => {
    const path = join(tmpdir(), "escapement-no-such-prompt.md");
    const error = await loadPromptTemplate(path).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ category: "unreadable", source: path });
    expect((error as Error).message).toContain(`cannot read prompt template ${path}`);
  });
});
