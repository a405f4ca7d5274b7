import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { buildJsonSchemas, schemaId, serializeSchema, SCHEMA_BASE_URL } from "../src/index.js";
import { schemaDir } from "./paths.js";

const committed = (): Record<string, string> =>
  Object.fromEntries(
    readdirSync(schemaDir)
      .filter((file) => file.endsWith(".json"))
      .map((file) => [file.slice(0, -".json".length), readFileSync(join(schemaDir, file), "utf8")]),
  );

describe("committed JSON Schema", () => {
  const fresh = buildJsonSchemas();

  it("has exactly the files a fresh generation has", () => {
    expect(Object.keys(committed()).sort()).toEqual(Object.keys(fresh).sort());
  });

  it.each(Object.keys(fresh))("%s.json is byte-identical to a fresh generation (run npm run generate)", (name) => {
    expect(committed()[name]).toBe(serializeSchema(fresh[name] as object as Record<string, unknown>));
  });

  it("is deterministic", () => {
    const again = buildJsonSchemas();
    for (const name of Object.keys(fresh)) {
      expect(serializeSchema(again[name] ?? {})).toBe(serializeSchema(fresh[name] ?? {}));
    }
  });

  it("gives every file a stable $id under the v1 base and the 2020-12 dialect", () => {
    for (const [name, text] of Object.entries(committed())) {
      const schema = JSON.parse(text) as { $id: string; $schema: string };
      expect(schema.$id).toBe(`${SCHEMA_BASE_URL}${name}.json`);
      expect(schema.$id).toBe(schemaId(name));
      expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
      expect(text.endsWith("}\n")).toBe(true);
    }
  });

  it("compiles under ajv strict mode from the files alone", () => {
    const ajv = new Ajv2020({ strict: true, strictRequired: false });
    const schemas = Object.values(committed()).map((text) => JSON.parse(text) as { $id: string });
    for (const schema of schemas) ajv.addSchema(schema);
    for (const schema of schemas) expect(() => ajv.getSchema(schema.$id)).not.toThrow();
  });

  it("keeps frames open to fields a newer minor adds", () => {
    const hello = JSON.parse(committed().hello ?? "{}") as { additionalProperties?: unknown };
    expect(hello.additionalProperties).toEqual({});
  });
});
