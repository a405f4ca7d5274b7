import { z } from "zod";
import type { ToolSpec } from "../llm/protocol.js";
import type { Tool } from "./tool.js";

/** Converts a tool's zod input to the JSON Schema (draft 2020-12) a model is shown. */
export const toToolSpec = (tool: Tool): ToolSpec => {
  const inputSchema = z.toJSONSchema(tool.input, { target: "draft-2020-12", io: "input" }) as Record<string, unknown>;
  if (inputSchema["type"] !== "object") {
    throw new TypeError(`tool ${tool.name}: input must be a zod object schema (models take tool input as a JSON object)`);
  }
  // Some providers reject a `$schema` key inside tool input schemas.
  const { $schema: _dialect, ...portable } = inputSchema;
  return { name: tool.name, description: tool.description, inputSchema: portable };
};
