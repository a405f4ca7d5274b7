import { z } from "zod";
import type { ToolSpec } from "../llm/protocol.js";
import type { Tool } from "./tool.js";

// Tools are defined once and registered by every run (thousands of sessions share the built-ins):
// build each tool's spec once.
const specs = new WeakMap<Tool, ToolSpec>();

/**
 * The JSON Schema a model is shown for a tool: its raw `inputSchema` when it has one (e.g. an MCP
 * tool's), else its zod input converted to draft 2020-12.
 */
export const toToolSpec = (tool: Tool): ToolSpec => {
  const known = specs.get(tool);
  if (known) return known;
  const inputSchema = tool.inputSchema ?? (z.toJSONSchema(tool.input, { target: "draft-2020-12", io: "input" }) as Record<string, unknown>);
  if (inputSchema["type"] !== "object") {
    const what = tool.inputSchema ? 'inputSchema must be a JSON Schema of type "object"' : "input must be a zod object schema";
    throw new TypeError(`tool ${tool.name}: ${what} (models take tool input as a JSON object)`);
  }
  // Some providers reject a `$schema` key inside tool input schemas.
  const { $schema: _dialect, ...portable } = inputSchema;
  const spec = { name: tool.name, description: tool.description, inputSchema: portable };
  specs.set(tool, spec);
  return spec;
};
