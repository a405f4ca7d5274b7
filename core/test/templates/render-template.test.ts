import { describe, expect, it } from "vitest";
import { TemplateError, placeholderNames, renderTemplate } from "../../src/templates/index.js";

const thrown = (run: () => unknown): TemplateError => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateError);
    return error as TemplateError;
  }
  throw new Error("expected a TemplateError");
};

describe("renderTemplate", () => {
  it("replaces placeholders, with or without padding inside the braces", () => {
    expect(renderTemplate("Goal: {{GOAL}}; plan: {{ plan_1 }}; again {{\tGOAL\t}}", { GOAL: "ship", plan_1: "p" })).toBe("Goal: ship; plan: p; again ship");
  });

  it("inserts values literally, without rescanning them", () => {
    expect(renderTemplate("{{A}}", { A: "$& {{B}}" })).toBe("$& {{B}}");
  });

  it("lists every missing name once, in order, and the source", () => {
    const error = thrown(() => renderTemplate("{{B}} {{A}} {{B}} {{C}}", { A: "a" }, { source: "prompts/plan.md" }));
    expect(error.category).toBe("unresolved");
    expect(error.missing).toEqual(["B", "C"]);
    expect(error.source).toBe("prompts/plan.md");
    expect(error.message).toBe("unresolved template placeholders in prompts/plan.md: {{B}}, {{C}}");
  });

  it("names an inline source by default", () => {
    expect(thrown(() => renderTemplate("{{X}}", {})).message).toContain("in inline:");
  });

  it("does not resolve names from the object prototype", () => {
    expect(thrown(() => renderTemplate("{{constructor}}", {})).missing).toEqual(["constructor"]);
  });

  it("treats \\{{ as a literal {{", () => {
    expect(renderTemplate("Use \\{{NAME}} for {{NAME}}, and \\{{ alone", { NAME: "x" })).toBe("Use {{NAME}} for x, and {{ alone");
  });

  it("leaves braces around non-names alone", () => {
    expect(renderTemplate("{{ not a name }} {{1x}} {{a-b}} {{}}", {})).toBe("{{ not a name }} {{1x}} {{a-b}} {{}}");
  });

  it("lists placeholder names", () => {
    expect(placeholderNames("{{A}} \\{{B}} {{ C }} {{A}}")).toEqual(["A", "C"]);
  });
});
