import { describe, expect, it } from "vitest";
import { z } from "zod";
import { builtinTools, createDefaultRegistry, defineTool, DuplicateToolError, ToolRegistry, UnknownToolError } from "../../src/tools/index.js";

const echo = (name: string) =>
  defineTool({
    name,
    description: `echo as ${name}`,
    input: z.object({ text: z.string().describe("what to echo"), loud: z.boolean().default(false) }),
    execute: async ({ text }) => ({ output: text }),
  });

describe("ToolRegistry", () => {
  it("registers, finds and lists tools in registration order", () => {
    const registry = new ToolRegistry().register(echo("b")).register(echo("a"));
    expect(registry.has("a")).toBe(true);
    expect(registry.has("c")).toBe(false);
    expect(registry.get("a")?.name).toBe("a");
    expect(registry.get("c")).toBeUndefined();
    expect(registry.list().map((tool) => tool.name)).toEqual(["b", "a"]);
  });

  it("refuses a second tool with the same name", () => {
    const registry = new ToolRegistry([echo("same")]);
    expect(() => registry.register(echo("same"))).toThrow(DuplicateToolError);
    expect(() => registry.register(echo("same"))).toThrow(/"same" is already registered/);
  });

  it("refuses names a provider would reject and inputs that are not objects", () => {
    const registry = new ToolRegistry();
    expect(() => registry.register(echo("has space"))).toThrow(/invalid tool name/);
    const scalar = defineTool({ name: "scalar", description: "", input: z.string(), execute: async () => ({ output: "" }) });
    expect(() => registry.register(scalar)).toThrow(/zod object schema/);
    expect(registry.list()).toEqual([]);
  });

  it("keeps two registries isolated", () => {
    const first = createDefaultRegistry();
    const second = createDefaultRegistry();
    first.register(echo("only_in_first"));
    expect(first.has("only_in_first")).toBe(true);
    expect(second.has("only_in_first")).toBe(false);
    expect(new ToolRegistry().list()).toEqual([]);
  });

  it("picks the whitelisted subset in the order named", () => {
    const registry = new ToolRegistry([echo("a"), echo("b"), echo("c")]);
    expect(registry.pick(["c", "a", "c"]).map((tool) => tool.name)).toEqual(["c", "a"]);
    expect(registry.pick([])).toEqual([]);
    expect(registry.pick().map((tool) => tool.name)).toEqual(["a", "b", "c"]);
  });

  it("names the unknown tools and lists the available ones", () => {
    const registry = new ToolRegistry([echo("fs_read"), echo("shell_run")]);
    let caught: unknown;
    try {
      registry.pick(["fs_read", "fs_delete", "rm_rf"]);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UnknownToolError);
    const error = caught as UnknownToolError;
    expect(error.unknown).toEqual(["fs_delete", "rm_rf"]);
    expect(error.available).toEqual(["fs_read", "shell_run"]);
    expect(error.message).toBe('unknown tools "fs_delete", "rm_rf"; available: fs_read, shell_run');
  });

  it("converts zod inputs to draft 2020-12 JSON Schema specs for the model", () => {
    const registry = new ToolRegistry([echo("a")]);
    expect(registry.toSpecs(registry.pick(["a"]))).toEqual([
      {
        name: "a",
        description: "echo as a",
        inputSchema: {
          type: "object",
          properties: {
            text: { type: "string", description: "what to echo" },
            loud: { type: "boolean", default: false },
          },
          // A field with a default is optional for the model.
          required: ["text"],
        },
      },
    ]);
  });
});

describe("createDefaultRegistry", () => {
  it("holds every built-in tool under the names the model sees", () => {
    const names = createDefaultRegistry()
      .list()
      .map((tool) => tool.name);
    expect(names).toEqual(["fs_read", "fs_write", "fs_edit", "fs_multi_edit", "fs_glob", "fs_grep", "shell_run", "web_fetch"]);
    expect(builtinTools.map((tool) => tool.name)).toEqual(names);
  });

  it("gives every built-in an object schema with described properties", () => {
    for (const spec of createDefaultRegistry().toSpecs()) {
      expect(spec.inputSchema["type"], spec.name).toBe("object");
      const properties = spec.inputSchema["properties"] as Record<string, { description?: string }>;
      for (const [key, property] of Object.entries(properties)) expect(property.description, `${spec.name}.${key}`).toBeTruthy();
    }
  });
});
