/**
 * The published JSON Schema of `.escapement.json`, generated from the zod schema. Committed at
 * core/schema/escapement-config.schema.json (regenerate: `npx tsx core/schema/generate.ts`); a
 * test fails when the committed file drifts from a fresh generation.
 */
import { z } from "zod";
import { projectConfigSchema } from "./schema.js";

export const CONFIG_SCHEMA_ID = "https://escapement.dev/schema/escapement-config.schema.json";
export const CONFIG_SCHEMA_FILE = "escapement-config.schema.json";

export type JsonSchemaDocument = { [key: string]: unknown };

export const buildConfigJsonSchema = (): JsonSchemaDocument => {
  const { $schema, ...body } = z.toJSONSchema(projectConfigSchema, {
    target: "draft-2020-12",
    io: "input",
    unrepresentable: "throw",
    reused: "inline",
  }) as JsonSchemaDocument;
  return {
    $schema,
    $id: CONFIG_SCHEMA_ID,
    title: "Escapement project configuration",
    ...body,
  };
};

/** File text: two-space JSON with a trailing newline. */
export const serializeConfigJsonSchema = (schema: JsonSchemaDocument = buildConfigJsonSchema()): string => `${JSON.stringify(schema, null, 2)}\n`;
