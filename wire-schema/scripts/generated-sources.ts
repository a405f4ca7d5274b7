/** The files of src/generated/, by name: what `npm run generate` writes there. */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { JsonSchema } from "../src/json-schema.js";
import { validatorModule } from "./validator-module.js";
import { wireNamesModule } from "./wire-names-module.js";

export const generatedDir = join(dirname(fileURLToPath(import.meta.url)), "..", "src", "generated");

export const generatedSources = (schemas: Record<string, JsonSchema>): Record<string, string> => {
  const validators = validatorModule(schemas);
  return { "validators.js": validators.js, "validators.d.ts": validators.dts, "wire-names.ts": wireNamesModule() };
};
