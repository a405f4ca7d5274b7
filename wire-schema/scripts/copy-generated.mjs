#!/usr/bin/env node
/**
 * The precompiled validators are plain JavaScript beside a hand-written declaration file, so the
 * compiler does not emit them: the build copies both into dist/ next to the modules that import them.
 */
import { cpSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");
for (const file of ["validators.js", "validators.d.ts"]) {
  cpSync(join(pkg, "src", "generated", file), join(pkg, "dist", "generated", file));
}
