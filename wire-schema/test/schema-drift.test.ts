import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { buildJsonSchemas, eventDataRef, eventNames, INBOUND_KINDS, OUTBOUND_KINDS, schemaId, serializeSchema, SCHEMA_BASE_URL } from "../src/index.js";
import { validatorFor } from "../src/generated/validators.js";
import { EVENT_NAMES, INBOUND_FRAME_KINDS, OUTBOUND_FRAME_KINDS } from "../src/generated/wire-names.js";
import { EVENT_ENVELOPE_ID, ROW_ENVELOPE_ID } from "../src/schema-ids.js";
import { generatedDir, generatedSources } from "../scripts/generated-sources.js";
import { envelopeSchemas } from "../scripts/validator-module.js";
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

describe("committed src/generated", () => {
  const schemas = buildJsonSchemas();
  const fresh = generatedSources(schemas);

  it("has exactly the files a fresh generation has", () => {
    expect(readdirSync(generatedDir).sort()).toEqual(Object.keys(fresh).sort());
  });

  it.each(Object.keys(fresh))("%s is byte-identical to a fresh generation (run npm run generate)", (file) => {
    expect(readFileSync(join(generatedDir, file), "utf8")).toBe(fresh[file]);
  });

  it("lists the event names and frame kinds of the zod definitions", () => {
    expect([...EVENT_NAMES]).toEqual(eventNames);
    expect([...OUTBOUND_FRAME_KINDS]).toEqual(OUTBOUND_KINDS);
    expect([...INBOUND_FRAME_KINDS]).toEqual(INBOUND_KINDS);
  });

  it("has a validator for every ref validation looks up", () => {
    const refs = [
      ROW_ENVELOPE_ID,
      EVENT_ENVELOPE_ID,
      ...[...OUTBOUND_KINDS, ...INBOUND_KINDS].filter((kind) => kind !== "event").map(schemaId),
      ...eventNames.map(eventDataRef),
    ];
    for (const ref of refs) expect(validatorFor(ref), ref).toBeTypeOf("function");
    expect(validatorFor(schemaId("no-such-schema"))).toBeUndefined();
  });

  it("imports nothing: no ajv, no zod at run time", () => {
    const text = fresh["validators.js"] ?? "";
    expect(text).not.toMatch(/^\s*import\b|\bimport\(|\brequire\(/m);
  });
});

describe("JSON Schema 2020-12 meta-schema", () => {
  // Validation compiles with validateSchema: false; this is where the schemas meet the meta-schema.
  const ajv = new Ajv2020();
  const schemas = buildJsonSchemas();

  it.each(Object.keys(schemas))("%s is a valid schema", (name) => {
    expect(ajv.validateSchema(schemas[name] as object), ajv.errorsText()).toBe(true);
  });

  it("the row and event envelopes are valid schemas", () => {
    for (const envelope of envelopeSchemas(schemas)) expect(ajv.validateSchema(envelope), ajv.errorsText()).toBe(true);
  });

  it("rejects what is not a schema", () => {
    expect(ajv.validateSchema({ type: "no-such-type" })).toBe(false);
    expect(ajv.validateSchema({ properties: { a: 3 } })).toBe(false);
  });
});
