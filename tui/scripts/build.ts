/**
 * Compiles the terminal UI into one self-contained ES module, dist/main.js, that Bun runs from any
 * directory with no bunfig preload. OpenTUI's Solid transform (a Bun plugin) compiles the JSX
 * here, at build time: at run time it skips every file under node_modules, so an installed copy
 * of the sources could not be run at all.
 *
 * Bundled: the TUI's sources, @escapement/wire-schema (from its sources), solid-js,
 * @opentui/solid. Left external: @opentui/core, which loads its native library by FFI from the
 * platform package npm installed beside it (@opentui/core-<os>-<arch>) and finds its assets and
 * worker relative to its own files, so it must stay an installed package.
 *
 * Usage: `bun scripts/build.ts [--out DIR]` (default dist/, emptied first).
 */
import solidTransform from "@opentui/solid/bun-plugin";
import type { BunPlugin } from "bun";
import { rmSync } from "node:fs";
import { join, relative, resolve } from "node:path";

const tui = resolve(import.meta.dir, "..");
const outFlag = process.argv.indexOf("--out");
const outArg = outFlag > 0 ? process.argv[outFlag + 1] : undefined;
const out = outArg ? resolve(outArg) : join(tui, "dist");

/**
 * src/main.ts imports "@opentui/solid/preload" so that running the sources registers the
 * transform before any .tsx loads. In the bundle the JSX is already compiled: the preload (and
 * Babel behind it) is left out.
 */
const compiledAhead: BunPlugin = {
  name: "solid-preload-compiled-ahead",
  setup(build) {
    build.onResolve({ filter: /^@opentui\/solid\/preload$/ }, () => ({ path: "solid-preload", namespace: "compiled-ahead" }));
    build.onLoad({ filter: /.*/, namespace: "compiled-ahead" }, () => ({ contents: "export {};", loader: "js" }));
  },
};

const started = performance.now();
rmSync(out, { recursive: true, force: true });
const result = await Bun.build({
  entrypoints: [join(tui, "src", "main.ts")],
  outdir: out,
  root: join(tui, "src"),
  target: "bun",
  format: "esm",
  // The workspace packages' TypeScript sources (their published exports point at their own builds).
  conditions: ["escapement-source"],
  external: ["@opentui/core"],
  metafile: true,
  throw: false,
  plugins: [compiledAhead, solidTransform],
});
if (!result.success) {
  for (const log of result.logs) console.error(log);
  console.error("escapement-tui: the build failed");
  process.exit(1);
}
const bytes = result.outputs.reduce((sum, output) => sum + output.size, 0);
const modules = result.metafile ? Object.keys(result.metafile.inputs).length : 0;
const files = result.outputs.map((output) => relative(tui, output.path)).join(", ");
console.log(`escapement-tui: built ${files} (${modules} modules, ${Math.round(bytes / 1024)} KiB) in ${Math.round(performance.now() - started)} ms`);
