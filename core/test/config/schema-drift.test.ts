import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { buildConfigJsonSchema, CONFIG_SCHEMA_FILE, CONFIG_SCHEMA_ID, parseProjectConfig, serializeConfigJsonSchema } from "../../src/config/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const schemaPath = join(here, "..", "..", "schema", CONFIG_SCHEMA_FILE);
const examplePath = join(here, "..", "..", "..", ".escapement.json.example");

const committed = (): string => readFileSync(schemaPath, "utf8");
const example = (): Record<string, unknown> => JSON.parse(readFileSync(examplePath, "utf8")) as Record<string, unknown>;

const compile = () => {
  const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true });
  addFormats.default(ajv);
  return ajv.compile(JSON.parse(committed()) as object);
};

type SchemaNode = { properties?: Record<string, SchemaNode>; items?: SchemaNode; additionalProperties?: SchemaNode | boolean; anyOf?: SchemaNode[] };

describe("published JSON Schema (core/schema/escapement-config.schema.json)", () => {
  it("is byte-identical to a fresh generation (regenerate: npx tsx core/schema/generate.ts)", () => {
    expect(committed()).toBe(serializeConfigJsonSchema());
  });

  it("is deterministic, has a stable $id and the 2020-12 dialect", () => {
    expect(serializeConfigJsonSchema(buildConfigJsonSchema())).toBe(serializeConfigJsonSchema(buildConfigJsonSchema()));
    const schema = JSON.parse(committed()) as { $id: string; $schema: string };
    expect(schema.$id).toBe(CONFIG_SCHEMA_ID);
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
  });

  it("compiles under ajv strict mode and accepts the committed example", () => {
    const validate = compile();
    expect(validate(example()), JSON.stringify(validate.errors)).toBe(true);
  });

  it("agrees with the loader on shape errors: unknown keys, empty alias lists, bad kinds", () => {
    const validate = compile();
    const bad = [
      { extra: 1 },
      { aliases: { fast: [] } },
      { aliases: { fast: [{ provider: "anthropic", model: "m", modle: "x" }] } },
      { credentials: [{ name: "a", kind: "antropic" }] },
      { credentialSources: { vault: { file: "/k", extra: 1 } } },
      { catalog: { "no-colon": {} } },
      { aliases: { "a:b": [{ provider: "anthropic", model: "m" }] } },
    ];
    for (const value of bad) {
      expect(validate(value), JSON.stringify(value)).toBe(false);
      expect(() => parseProjectConfig(value, "f"), JSON.stringify(value)).toThrow();
    }
    expect(validate({ $schema: "./x.json" })).toBe(true);
  });
});

describe(".escapement.json.example", () => {
  it("loads", () => {
    expect(() => parseProjectConfig(readFileSync(examplePath, "utf8"), ".escapement.json.example")).not.toThrow();
  });

  it("covers every key the schema defines", () => {
    const schema = JSON.parse(committed()) as SchemaNode;
    const seen = new Set<string>();
    const visit = (value: unknown, node: SchemaNode | undefined, path: string): void => {
      if (!node || typeof value !== "object" || value === null) return;
      const objectNode = node.anyOf?.find((option) => option.properties) ?? node;
      if (Array.isArray(value)) {
        for (const item of value) visit(item, node.items, `${path}[]`);
        return;
      }
      for (const [key, child] of Object.entries(value)) {
        if (objectNode.properties && key in objectNode.properties) {
          seen.add(`${path}.${key}`);
          visit(child, objectNode.properties[key], `${path}.${key}`);
        } else if (typeof objectNode.additionalProperties === "object") {
          visit(child, objectNode.additionalProperties, `${path}.*`);
        }
      }
    };
    visit(example(), schema, "");
    const all: string[] = [];
    const collect = (node: SchemaNode | undefined, path: string): void => {
      if (!node) return;
      for (const option of node.anyOf ?? []) collect(option, path);
      for (const [key, child] of Object.entries(node.properties ?? {})) {
        all.push(`${path}.${key}`);
        collect(child, `${path}.${key}`);
      }
      if (node.items) collect(node.items, `${path}[]`);
      if (typeof node.additionalProperties === "object") collect(node.additionalProperties, `${path}.*`);
    };
    collect(schema, "");
    expect(all.filter((path) => !seen.has(path))).toEqual([]);
  });
});
