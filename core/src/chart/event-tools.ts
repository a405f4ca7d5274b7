import { z } from "zod";
import type { ToolSpec } from "../llm/protocol.js";

/** An event the model may send to the chart, with its payload schema. */
export interface AllowedEvent {
  schema: z.ZodType;
  description: string;
}

export type AllowedEvents = Record<string, AllowedEvent>;

/** Provider tool names allow only [A-Za-z0-9_-]; chart event names usually contain dots. */
export const eventToolName = (eventName: string): string => eventName.replace(/[^A-Za-z0-9_-]/g, "_");

export interface EventTool {
  toolName: string;
  eventName: string;
  spec: ToolSpec;
}

// Charts declare their event schemas once, so every conversation (and every session) started from
// the same chart converts the same zod objects: convert each once.
const jsonSchemas = new WeakMap<z.ZodType, Record<string, unknown>>();
// And back: a request's event tool carries this very object, so a simulated model (core/src/sim)
// finds the zod schema a payload must satisfy without reading the JSON Schema.
const zodSchemas = new WeakMap<Record<string, unknown>, z.ZodType>();
const inputSchemaOf = (schema: z.ZodType): Record<string, unknown> => {
  let inputSchema = jsonSchemas.get(schema);
  if (!inputSchema) {
    inputSchema = z.toJSONSchema(schema, { io: "input" });
    delete inputSchema.$schema;
    jsonSchemas.set(schema, inputSchema);
    zodSchemas.set(inputSchema, schema);
  }
  return inputSchema;
};

const eventDescription = (eventName: string, description: string): string => `Send the chart event "${eventName}": ${description}`;
const eventNameIn = /^Send the chart event "(.*?)": /;

/**
 * The chart event and zod schema behind a tool of a model request, when `eventTools` built it;
 * undefined for any other tool.
 */
export const eventSchemaOf = (spec: ToolSpec): { eventName: string; schema: z.ZodType } | undefined => {
  const schema = zodSchemas.get(spec.inputSchema);
  if (!schema) return undefined;
  return { eventName: eventNameIn.exec(spec.description)?.[1] ?? spec.name, schema };
};

export function eventTools(events: AllowedEvents): EventTool[] {
  return Object.entries(events).map(([eventName, { schema, description }]) => {
    const toolName = eventToolName(eventName);
    const inputSchema = inputSchemaOf(schema);
    return {
      toolName,
      eventName,
      spec: { name: toolName, description: eventDescription(eventName, description), inputSchema },
    };
  });
}

export type PayloadCheck = { ok: true; payload: Record<string, unknown> } | { ok: false; issues: string };

/** Validates an event tool's payload; a payload that arrives as a JSON string is parsed first. */
export function checkEventPayload(event: AllowedEvent, raw: unknown): PayloadCheck {
  let input = raw;
  if (typeof input === "string") {
    try {
      input = JSON.parse(input);
    } catch {
      return { ok: false, issues: "payload is a string that is not valid JSON" };
    }
  }
  const parsed = event.schema.safeParse(input ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.length ? issue.path.join(".") : "(payload)"}: ${issue.message}`);
    return { ok: false, issues: issues.join("; ") };
  }
  const payload = parsed.data;
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
    return { ok: true, payload: { value: payload } };
  }
  return { ok: true, payload: payload as Record<string, unknown> };
}
