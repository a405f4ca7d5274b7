/**
 * The architecture rules of .dependency-cruiser.cjs (`npm run lint:layers`) bite: a small tree
 * that breaks each rule once is reported rule by rule, and the repository's own tree passes.
 */
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const repo = resolve(import.meta.dirname, "..");
const depcruise = join(repo, "node_modules/.bin/depcruise");
const work = mkdtempSync(join(tmpdir(), "escapement-architecture-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Violation {
  from: string;
  to: string;
  rule: { name: string; severity: string };
}

/** Runs depcruise as `npm run lint:layers` does, in `cwd`, and returns what it reports. */
function cruise(cwd: string): Promise<Violation[]> {
  const args = ["core/src", "tui/src", "wire-schema/src", "--config", ".dependency-cruiser.cjs", "--output-type", "json"];
  return new Promise((done, fail) => {
    // It exits non-zero when it finds violations: the report on stdout is what counts.
    execFile(depcruise, args, { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      try {
        const report = JSON.parse(stdout) as { summary: { violations: Violation[] } };
        done(report.summary.violations);
      } catch {
        fail(new Error(`depcruise gave no report (${error?.message ?? "no error"}):\n${stderr}`));
      }
    });
  });
}

/** Writes `files` (path -> content) under `root`. */
function writeTree(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

/** One line per violation; a two-file cycle (reported once, from either file) as the pair of its files. */
const brief = (violations: readonly Violation[]) =>
  violations
    .map((v) => (v.rule.name === "no-circular" ? `no-circular: ${[v.from, v.to].sort().join(" <-> ")}` : `${v.rule.name}: ${v.from} -> ${v.to}`))
    .sort();

describe("the layer rules", () => {
  it("report each broken rule by its name, and nothing else", async () => {
    const root = join(work, "synthetic");
    mkdirSync(root);
    for (const file of [".dependency-cruiser.cjs", "tsconfig.depcruise.json"]) copyFileSync(join(repo, file), join(root, file));
    writeTree(root, {
      "tsconfig.base.json": JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true } }),
      // Allowed: a folder importing a folder before it, the package entry importing any folder.
      "core/src/runtime/clock.ts": "export const now = (): number => 0;\n",
      "core/src/cli/b.ts": 'import { now } from "../runtime/clock.js";\nexport const b = now();\n',
      "core/src/index.ts": 'export { b } from "./cli/b.js";\n',
      // A folder importing one after it: the leaf importing the CLI, the engine importing the chart helpers.
      "core/src/runtime/a.ts": 'import { b } from "../cli/b.js";\nexport const a = b;\n',
      "core/src/chart/helper.ts": "export const helper = 1;\n",
      "core/src/engine/e.ts": 'import { helper } from "../chart/helper.js";\nexport const e = helper;\n',
      // Two files importing each other, by type-only imports: those count too.
      "core/src/llm/p.ts": 'import type { Q } from "./q.js";\nexport type P = { q?: Q };\n',
      "core/src/llm/q.ts": 'import type { P } from "./p.js";\nexport type Q = { p?: P };\n',
      // A folder the layer list does not know.
      "core/src/extras/z.ts": 'import { now } from "../runtime/clock.js";\nexport const z = now();\n',
      // The terminal UI importing the core, by path and by package name.
      "tui/src/x.ts": 'import { now } from "../../core/src/runtime/clock.js";\nexport const x = now();\n',
      "tui/src/x-package.ts": 'import { b } from "@escapement/core";\nexport const x = b;\n',
      "core/package.json": JSON.stringify({ name: "@escapement/core", type: "module", exports: { ".": { "escapement-source": "./src/index.ts" } } }),
      // The wire protocol package importing the core and the terminal UI.
      "wire-schema/src/y.ts": 'import { now } from "../../core/src/runtime/clock.js";\nexport const y = now();\n',
      "wire-schema/src/y-tui.ts": 'import { x } from "../../tui/src/x.js";\nexport const y = x;\n',
    });
    // As in the workspace: the package name links to the package's directory.
    mkdirSync(join(root, "node_modules/@escapement"), { recursive: true });
    symlinkSync("../../core", join(root, "node_modules/@escapement/core"));

    const violations = await cruise(root);
    expect(violations.every((v) => v.rule.severity === "error")).toBe(true);
    expect(brief(violations)).toEqual(
      [
        "layer-runtime: core/src/runtime/a.ts -> core/src/cli/b.ts",
        "layer-engine: core/src/engine/e.ts -> core/src/chart/helper.ts",
        "no-circular: core/src/llm/p.ts <-> core/src/llm/q.ts",
        "core-layers-known: core/src/extras/z.ts -> core/src/runtime/clock.ts",
        "tui-speaks-only-the-wire: tui/src/x.ts -> core/src/runtime/clock.ts",
        "tui-speaks-only-the-wire: tui/src/x-package.ts -> core/src/index.ts",
        "wire-schema-stands-alone: wire-schema/src/y.ts -> core/src/runtime/clock.ts",
        "wire-schema-stands-alone: wire-schema/src/y-tui.ts -> tui/src/x.ts",
      ].sort(),
    );
  });

  it("pass on the repository's own tree", async () => {
    expect(brief(await cruise(repo))).toEqual([]);
  });
});
