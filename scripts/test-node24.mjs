#!/usr/bin/env node
/**
 * `npm run test:node24`: the core and cross-process suites again, on Node.js 24 (the oldest
 * supported Node runs them in `npm test` first). Node 24 comes from the npm registry's `node`
 * package, installed in tests/node24/ on first use (kept out of the workspace, whose scripts must
 * keep the machine's Node). Its bin directory leads PATH, so whatever a test spawns as `node` or
 * `npx` runs on Node 24 too.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const prefix = join(root, "tests", "node24");
const binDir = join(prefix, "node_modules", ".bin");
const node = join(binDir, "node");

const run = (command, args, cwd, env = process.env) => {
  const result = spawnSync(command, args, { cwd, env, stdio: "inherit" });
  if (result.status !== 0) {
    console.error(`test:node24: ${[command, ...args].join(" ")} failed (${result.signal ?? `exit ${result.status}`})`);
    process.exit(result.status ?? 1);
  }
};

if (!existsSync(node)) run("npm", ["ci", "--prefix", prefix, "--no-audit", "--no-fund", "--loglevel=error"], root);
const version = spawnSync(node, ["--version"], { encoding: "utf8" }).stdout.trim();
if (!version.startsWith("v24.")) {
  console.error(`test:node24: ${node} is ${version || "not runnable"}, not Node.js 24; remove tests/node24/node_modules and run again`);
  process.exit(1);
}
console.log(`test:node24: the core and cross-process suites on Node.js ${version}`);

const env = { ...process.env, PATH: `${binDir}:${process.env.PATH ?? ""}` };
const vitest = join(root, "node_modules", "vitest", "vitest.mjs");
run(node, [vitest, "run"], join(root, "core"), env);
run(node, [vitest, "run", "--config", "tests/vitest.config.ts"], root, env);
