/**
 * Escapement as a user installs it: the packed packages in a fresh project outside the repository
 * (see packed-project.ts). Plain Node embeds the core, a strict TypeScript project type-checks
 * against the shipped declarations, and `npx escapement run` runs charts written in TypeScript and
 * JavaScript in projects whose package.json says "module", "commonjs" or nothing.
 */
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addFolder, createPackedProject, repo, type PackedProject } from "./packed-project.js";

const exec = promisify(execFile);

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

async function runIn(cwd: string, command: string, args: string[]): Promise<Ran> {
  try {
    const { stdout, stderr } = await exec(command, args, { cwd, env: { ...process.env, NO_COLOR: "1" }, maxBuffer: 16 << 20 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === "number" ? failed.code : -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

/** The JSON line `escapement run --no-tui` prints last on stdout. */
const resultOf = (ran: Ran): { status: string; finalConfig: string[]; sessionDir: string } =>
  JSON.parse(ran.stdout.trim().split("\n").at(-1) ?? "{}") as { status: string; finalConfig: string[]; sessionDir: string };

/** tsc's error lines (the first line of each diagnostic). */
const errorsOf = (output: string): string[] => output.split("\n").filter((line) => /error TS\d+/.test(line));

let project: PackedProject;

beforeAll(async () => {
  project = await createPackedProject();
}, 300_000);

afterAll(() => project?.remove());

describe("an installed @escapement/core", () => {
  it("is imported by plain node, which runs a JavaScript chart on a scripted model to done", async () => {
    const dir = addFolder(project, "host", "host");
    const ran = await runIn(dir, process.execPath, ["host.mjs", join(dir, "session")]);
    expect(ran.stderr).toBe("");
    expect(JSON.parse(ran.stdout)).toEqual({ status: "done", finalConfig: ["done"] });
    expect(existsSync(join(dir, "session", "transcript.jsonl"))).toBe(true);
  });

  it("type-checks a chart and a host in a strict NodeNext project (exactOptionalPropertyTypes, no skipLibCheck): no error of its own", async () => {
    const dir = addFolder(project, "typed", "typed", "module");
    const tsc = (config: string) => runIn(dir, process.execPath, [join(project.dir, "node_modules/typescript/bin/tsc"), "-p", config]);
    const [typed, baseline] = await Promise.all([tsc("tsconfig.json"), tsc("tsconfig.baseline.json")]);
    // Only the errors of xstate's own declarations, which a project with xstate alone has too.
    expect(errorsOf(typed.stdout)).toEqual(errorsOf(baseline.stdout));
    expect(errorsOf(typed.stdout).every((error) => error.startsWith("../node_modules/xstate/"))).toBe(true);
  }, 120_000);

  it("ships compiled JavaScript and declarations, not TypeScript to run", () => {
    const manifest = JSON.parse(readFileSync(join(project.dir, "node_modules/@escapement/core/package.json"), "utf8")) as {
      exports: Record<string, Record<string, string>>;
      dependencies: Record<string, string>;
    };
    expect(manifest.exports["."]).toMatchObject({ types: "./dist/index.d.ts", default: "./dist/index.js" });
    expect(existsSync(join(project.dir, "node_modules/@escapement/core/dist/index.d.ts"))).toBe(true);
    expect(Object.keys(manifest.dependencies)).not.toContain("xstate");
  });
});

describe("npx escapement", () => {
  it("--version prints the installed version", async () => {
    const ran = await runIn(project.dir, "npx", ["escapement", "--version"]);
    const { version } = JSON.parse(readFileSync(join(repo, "core/package.json"), "utf8")) as { version: string };
    expect(ran).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it("list works in a project without sessions", async () => {
    const ran = await runIn(project.dir, "npx", ["escapement", "list"]);
    expect(ran.code, ran.stderr).toBe(0);
  });

  const types = ["module", "commonjs", undefined] as const;
  const charts = [
    { ext: "ts", from: "chart.ts" },
    { ext: "mts", from: "chart.ts" },
    { ext: "js", from: "chart.js" },
    { ext: "mjs", from: "chart.js" },
  ] as const;
  for (const type of types) {
    for (const chart of charts) {
      it(`runs a .${chart.ext} chart in a project whose package.json says ${type ? `"type": "${type}"` : "no type"}`, async () => {
        const dir = addFolder(project, "greet", `greet-${type ?? "none"}-${chart.ext}`, type);
        const file = `greet.${chart.ext}`;
        copyFileSync(join(dir, chart.from), join(dir, file));
        const ran = await runIn(dir, "npx", ["escapement", "run", file, "--no-tui", "--session-dir", join(dir, "session")]);
        expect(ran.code, ran.stderr).toBe(0);
        expect(resultOf(ran)).toMatchObject({ status: "done", finalConfig: ["done"] });
      });
    }
  }

  it("a chart module that exports nothing: one clear line, exit 2, nothing written", async () => {
    const dir = addFolder(project, "greet", "exports-nothing", "module");
    writeFileSync(join(dir, "empty.ts"), "export const answer = 42;\n");
    const ran = await runIn(dir, "npx", ["escapement", "run", "empty.ts", "--no-tui"]);
    expect(ran.code).toBe(2);
    expect(ran.stderr.trim().split("\n")).toHaveLength(1);
    expect(ran.stderr).toMatch(/empty\.ts exports no machine/);
    expect(readdirSync(dir)).not.toContain(".escapement");
  });
});
