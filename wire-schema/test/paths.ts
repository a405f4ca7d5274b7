import { fileURLToPath } from "node:url";

const at = (relative: string): string => fileURLToPath(new URL(relative, import.meta.url));

export const packageDir = at("../");
export const schemaDir = at("../schema/v1/");
export const conformanceDir = at("../conformance/");
export const repoDir = at("../../");
export const referenceRenderer = at("../../scripts/reference-renderer.mjs");
export const wireDoc = at("../../docs/wire.md");
