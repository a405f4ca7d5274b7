/**
 * The browser renderer's place in .dependency-cruiser.cjs: web/src imports neither the core nor
 * the terminal UI (it speaks the wire protocol, through @escapement/wire-schema only), no package
 * imports web, and the repository's own web/src passes.
 */
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const repo = resolve(import.meta.dirname, "../..");
const depcruise = join(repo, "node_modules/.bin/depcruise");
const work = mkdtempSync(join(tmpdir(), "escapement-web-architecture-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

function cruise(cwd: string, dirs: readonly string[]): Promise<string[]> {
  const args = [...dirs, "--config", ".dependency-cruiser.cjs", "--output-type", "json"];
  return new Promise((done, fail) => {
    execFile(depcruise, args, { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      try {
        const report = JSON.parse(stdout) as { summary: { violations: Violation[] } };
        done(report.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort());
      } catch {
        fail(new Error(`depcruise gave no report (${error?.message ?? "no error"}):\n${stderr}`));
      }
    });
  });
}

describe("the browser renderer's rules", () => {
  it("report web importing the core or the terminal UI, and a package importing web", async () => {
    const root = join(work, "synthetic");
    for (const file of [".dependency-cruiser.cjs", "tsconfig.depcruise.json"]) {
      mkdirSync(root, { recursive: true });
      copyFileSync(join(repo, file), join(root, file));
    }
    const files: Record<string, string> = {
      "tsconfig.base.json": JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true } }),
      "core/src/runtime/clock.ts": "export const now = (): number => 0;\n",
      "core/src/index.ts": 'export { now } from "./runtime/clock.js";\n',
      "core/package.json": JSON.stringify({ name: "@escapement/core", type: "module", exports: { ".": { "escapement-source": "./src/index.ts" } } }),
      "tui/src/t.ts": "export const t = 1;\n",
      "wire-schema/src/index.ts": "export const v = 1;\n",
      "wire-schema/package.json": JSON.stringify({
        name: "@escapement/wire-schema",
        type: "module",
        exports: { ".": { "escapement-source": "./src/index.ts" } },
      }),
      // Allowed: the wire protocol package.
      "web/src/ok.ts": 'import { v } from "@escapement/wire-schema";\nexport const ok = v;\n',
      // The core by path and by package name; the terminal UI by path.
      "web/src/a.ts": 'import { now } from "../../core/src/runtime/clock.js";\nexport const a = now();\n',
      "web/src/b.ts": 'import { now } from "@escapement/core";\nexport const b = now();\n',
      "web/src/c.ts": 'import { t } from "../../tui/src/t.js";\nexport const c = t;\n',
      // The core importing the page's sources.
      "core/src/cli/w.ts": 'import { ok } from "../../../web/src/ok.js";\nexport const w = ok;\n',
    };
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), content);
    }
    mkdirSync(join(root, "node_modules/@escapement"), { recursive: true });
    symlinkSync("../../core", join(root, "node_modules/@escapement/core"));
    symlinkSync("../../wire-schema", join(root, "node_modules/@escapement/wire-schema"));

    expect(await cruise(root, ["core/src", "tui/src", "web/src", "wire-schema/src"])).toEqual(
      [
        "nothing-imports-web: core/src/cli/w.ts -> web/src/ok.ts",
        "web-speaks-only-the-wire: web/src/a.ts -> core/src/runtime/clock.ts",
        "web-speaks-only-the-wire: web/src/b.ts -> core/src/index.ts",
        "web-speaks-only-the-wire: web/src/c.ts -> tui/src/t.ts",
      ].sort(),
    );
  });

  it("pass on the repository's own web/src", async () => {
    expect(await cruise(repo, ["web/src"])).toEqual([]);
  });
});
