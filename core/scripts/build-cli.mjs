#!/usr/bin/env node
/**
 * Compiles the CLI (core/src/cli/main.ts and what it imports, wire-schema included) to plain
 * JavaScript in core/dist/cli/, so commands that load no chart module start without compiling
 * TypeScript: `escapement open --emit-wire` reaches its first frame in a fraction of the time.
 * npm dependencies stay external (resolved from node_modules as usual). Runs on `npm ci`
 * (the root `prepare` script); `bin/escapement.mjs` uses the build only while it is fresh.
 */
import { build } from "esbuild";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const core = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const root = resolve(core, "..");
// `--out <dir>` builds elsewhere (tests); the launcher only looks at core/dist/cli.
const outFlag = process.argv.indexOf("--out");
const out = outFlag > 0 ? resolve(process.argv[outFlag + 1]) : join(core, "dist", "cli");
const started = performance.now();
// Taken before reading any source: a file saved during the build counts as newer than it.
const builtAt = Date.now();

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const result = await build({
  entryPoints: [join(core, "src", "cli", "main.ts")],
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  outdir: out,
  metafile: true,
  absWorkingDir: root,
  logLevel: "warning",
  plugins: [
    {
      // Workspace packages are compiled in; everything from npm is imported at run time.
      name: "external-npm-packages",
      setup(builder) {
        builder.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith("@escapement/") ? undefined : { path: args.path, external: true }));
      },
    },
  ],
});

// The sources the build was made from (relative to the repository root), so the launcher can tell when it is stale.
const sources = Object.keys(result.metafile.inputs);
writeFileSync(join(out, "sources.json"), `${JSON.stringify({ builtAt, sources }, null, 2)}\n`);
console.log(`escapement: compiled the CLI (${sources.length} modules) to ${relative(process.cwd(), out) || "."} in ${Math.round(performance.now() - started)} ms`);
