/** Writes escapement-config.schema.json from the zod schema: `npx tsx core/schema/generate.ts`. */
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CONFIG_SCHEMA_FILE, serializeConfigJsonSchema } from "../src/config/json-schema.js";

const path = join(dirname(fileURLToPath(import.meta.url)), CONFIG_SCHEMA_FILE);
writeFileSync(path, serializeConfigJsonSchema());
console.log(`wrote ${path}`);
