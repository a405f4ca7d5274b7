#!/usr/bin/env node
/**
 * `npm run lint:packages`: every published package, packed as npm would pack it, checked by the
 * ecosystem's own tools: publint (package.json, exports, files) in strict mode, and Are the Types
 * Wrong? (every entry point resolves to JavaScript and declarations that agree). The packages are
 * ES modules only, so attw checks the `esm-only` profile (Node 16+ and bundlers). The browser
 * renderer (web, private) is not published: the core serves its built files.
 */
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const packages = ["wire-schema", "core", "tui"];
const bin = (name) => join(root, "node_modules", ".bin", name);

let failed = 0;
for (const dir of packages) {
  const checks = [
    [bin("publint"), [dir, "--strict"]],
    [bin("attw"), ["--pack", dir, "--profile", "esm-only", "--format", "ascii"]],
  ];
  for (const [command, args] of checks) {
    const result = spawnSync(command, args, { cwd: root, encoding: "utf8" });
    const tool = command.endsWith("publint") ? "publint" : "attw";
    if (result.status === 0) {
      console.log(`✓ ${tool} ${dir}`);
    } else {
      failed += 1;
      console.log(`✗ ${tool} ${dir}\n${result.stdout}${result.stderr}`);
    }
  }
}
process.exitCode = failed === 0 ? 0 : 1;
