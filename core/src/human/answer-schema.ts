import { z } from "zod";
import type { PromptRequest } from "./human-renderer.js";

type Kind = PromptRequest["kind"];

/** The zod schema a valid answer satisfies; its JSON Schema travels with the prompt. */
export function answerSchema(kind: Kind, options: readonly { value: string }[] = []): z.ZodType {
  const values = options.map((option) => option.value);
  switch (kind) {
    case "text":
      return z.string();
    case "confirm":
      return z.boolean();
    case "select":
      return values.length > 0 ? z.enum(values as [string, ...string[]]) : z.string();
    case "multi-select":
      return z.array(values.length > 0 ? z.enum(values as [string, ...string[]]) : z.string());
    case "progress":
      return z.null();
  }
}

export function answerJsonSchema(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema) as Record<string, unknown>;
  delete json.$schema;
  return json;
}
