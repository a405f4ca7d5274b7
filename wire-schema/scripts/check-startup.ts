/**
 * Bundles the validation path a transcript replay takes (createFramesOnlySequencer,
 * validateEventData, validateTranscriptRow) the way the CLI build does, lists the npm modules the
 * bundle imports, fails when zod or ajv's compiler is among them, then times a plain `node` import
 * of the bundle up to its first validated row and frame.
 *
 *   npx tsx wire-schema/scripts/check-startup.ts [runs] [src dir, default wire-schema/src]
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const runs = Number(process.argv[2] ?? 15);
const src = resolve(process.argv[3] ?? join(packageDir, "src"));
const FORBIDDEN = [/^zod(\/|$)/, /^ajv(\.js)?$/, /^ajv\/dist\/(2020|2019|ajv|core|compile)/, /^ajv-formats/];

// Inside the package, so the bundle resolves its npm imports from node_modules as the CLI build does.
const cache = join(packageDir, "node_modules", ".cache");
mkdirSync(cache, { recursive: true });
const out = mkdtempSync(join(cache, "startup-"));
try {
  const bundle = join(out, "path.mjs");
  const result = await build({
    stdin: {
      contents: 'export { createFramesOnlySequencer, validateEventData, validateTranscriptRow } from "./index.ts";',
      resolveDir: src,
      loader: "ts",
    },
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    outfile: bundle,
    metafile: true,
    logLevel: "warning",
  });
  const output = Object.values(result.metafile.outputs)[0];
  const imports = [...new Set((output?.imports ?? []).map((entry) => entry.path))].sort();
  const modules = Object.keys(result.metafile.inputs).filter((input) => !input.startsWith("<stdin>")).length;
  console.log(`bundle: ${modules} source modules, ${output?.bytes ?? 0} bytes; imports: ${imports.join(", ") || "(none)"}`);
  const forbidden = imports.filter((path) => FORBIDDEN.some((pattern) => pattern.test(path)));

  // One delta row validated, one row sequenced (a frame event, so its data is validated), one event's data checked.
  const probe = join(out, "probe.mjs");
  writeFileSync(
    probe,
    `const t0 = performance.now();
const m = await import(${JSON.stringify(pathToFileURL(bundle).href)});
const t1 = performance.now();
const row = { seq: 1, ts: 1, event: "llm/delta", data: { invokeId: "a", turn: 1, kind: "text", text: "hi" } };
if (!m.validateTranscriptRow(row).ok) throw new Error("row");
const frames = m.createFramesOnlySequencer().push({ seq: 2, ts: 2, event: "runner/start-config", data: { config: ["x"] } });
if (frames.length !== 2) throw new Error("frames");
if (!m.validateEventData("runner/started", { sessionId: "s", runId: "r", chartId: "c", resumed: false }).ok) throw new Error("data");
const t2 = performance.now();
process.stdout.write(JSON.stringify({ importMs: t1 - t0, firstFrameMs: t2 - t0 }));
`,
  );
  const samples = Array.from({ length: runs }, () => {
    const started = performance.now();
    const inner = JSON.parse(execFileSync(process.execPath, [probe], { encoding: "utf8" })) as { importMs: number; firstFrameMs: number };
    return { ...inner, processMs: performance.now() - started };
  });
  const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
  const ms = (key: keyof (typeof samples)[number]): string => `${median(samples.map((sample) => sample[key])).toFixed(1)} ms`;
  console.log(
    `median of ${runs} runs: import ${ms("importMs")}, import + first validated row and frame ${ms("firstFrameMs")}, whole node process ${ms("processMs")}`,
  );
  if (forbidden.length > 0) {
    console.error(`the validation path imports ${forbidden.join(", ")}`);
    process.exitCode = 1;
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
