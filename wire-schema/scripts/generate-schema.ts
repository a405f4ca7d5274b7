/**
 * Writes schema/v1/*.json from the zod definitions, and src/generated/ (precompiled validators,
 * event names, frame kinds) from those (npm run generate -w @escapement/wire-schema).
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildJsonSchemas, serializeSchema } from "../src/json-schema.js";
import { generatedDir, generatedSources } from "./generated-sources.js";

export const schemaDir = join(dirname(fileURLToPath(import.meta.url)), "..", "schema", "v1");

const main = (): void => {
  const schemas = buildJsonSchemas();
  mkdirSync(schemaDir, { recursive: true });
  for (const file of readdirSync(schemaDir)) {
    if (file.endsWith(".json") && !(file.slice(0, -5) in schemas)) rmSync(join(schemaDir, file));
  }
  for (const [name, schema] of Object.entries(schemas)) {
    writeFileSync(join(schemaDir, `${name}.json`), serializeSchema(schema));
  }
  console.log(`wrote ${Object.keys(schemas).length} schemas to ${schemaDir}`);

  const sources = generatedSources(schemas);
  mkdirSync(generatedDir, { recursive: true });
  for (const file of readdirSync(generatedDir)) if (!(file in sources)) rmSync(join(generatedDir, file));
  for (const [file, text] of Object.entries(sources)) writeFileSync(join(generatedDir, file), text);
  console.log(`wrote ${Object.keys(sources).join(", ")} to ${generatedDir}`);
};

main();
