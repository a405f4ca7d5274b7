/**
 * Escapement as a user installs it: the packed packages in a fresh project outside the repository
 * (see packed-project.ts). Plain Node embeds the core, a strict TypeScript project type-checks
 * against the shipped declarations, and `npx escapement run` runs charts written in TypeScript and
 * JavaScript in projects whose package.json says "module", "commonjs" or nothing.
 */
import { execFile, execFileSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { killPanes, openPane, type Pane } from "../sidecar/tmux.js";
import { docExamples, fullText } from "./doc-examples.js";
import { addFolder, createPackedProject, fixtures, repo, repoVersionOf, type PackedProject } from "./packed-project.js";

const exec = promisify(execFile);

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

async function runIn(cwd: string, command: string, args: string[], env: Record<string, string> = {}): Promise<Ran> {
  try {
    const { stdout, stderr } = await exec(command, args, { cwd, env: { ...process.env, NO_COLOR: "1", ...env }, maxBuffer: 16 << 20 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === "number" ? failed.code : -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

/** The JSON line `escapement run --no-tui` prints last on stdout. */
const resultOf = (ran: Ran): { status: string; finalConfig: string[]; sessionDir: string } =>
  JSON.parse(ran.stdout.trim().split("\n").at(-1) ?? "{}") as { status: string; finalConfig: string[]; sessionDir: string };

const execFileSyncText = (command: string, args: string[]): string => execFileSync(command, args, { encoding: "utf8" });

/** tsc's error lines (the first line of each diagnostic). */
const errorsOf = (output: string): string[] => output.split("\n").filter((line) => /error TS\d+/.test(line));

let project: PackedProject;

beforeAll(async () => {
  // tsx: the docs run their TypeScript programs with `npx tsx`; vitest, ai and @ai-sdk/anthropic: a test of the
  // user's own that replays a cassette through the AI SDK.
  project = await createPackedProject(["tsx", "vitest", "ai", "@ai-sdk/anthropic"].map((name) => `${name}@${repoVersionOf(name)}`));
}, 300_000);

afterAll(() => {
  killPanes();
  project?.remove();
});

describe("an installed @escapement/core", () => {
  it("is imported by plain node, which runs a JavaScript chart on a scripted model to done", async () => {
    const dir = addFolder(project, "host", "host");
    copyFileSync(join(fixtures, "greet", "chart.js"), join(dir, "chart.mjs"));
    const ran = await runIn(dir, process.execPath, ["host.mjs", join(dir, "session")]);
    expect(ran.stderr).toBe("");
    expect(JSON.parse(ran.stdout)).toEqual({ status: "done", finalConfig: ["done"] });
    expect(existsSync(join(dir, "session", "transcript.jsonl"))).toBe(true);
  });

  it("type-checks a chart and a host in a strict NodeNext project (exactOptionalPropertyTypes, no skipLibCheck): no error of its own", async () => {
    const dir = addFolder(project, "typed", "typed", "module");
    copyFileSync(join(fixtures, "greet", "chart.ts"), join(dir, "chart.ts"));
    const tsc = (config: string) => runIn(dir, process.execPath, [join(project.dir, "node_modules/typescript/bin/tsc"), "-p", config]);
    const [typed, baseline] = await Promise.all([tsc("tsconfig.json"), tsc("tsconfig.baseline.json")]);
    // Only the errors of xstate's own declarations, which a project with xstate alone has too.
    expect(errorsOf(typed.stdout)).toEqual(errorsOf(baseline.stdout));
    expect(errorsOf(typed.stdout).every((error) => error.startsWith("../node_modules/xstate/"))).toBe(true);
  }, 120_000);

  it("runs a TypeScript chart on a SessionPool's worker thread and its own", async () => {
    const dir = addFolder(project, "pool", "pool", "commonjs");
    for (const file of ["chart.ts", "script.json"]) copyFileSync(join(fixtures, "greet", file), join(dir, file === "chart.ts" ? "greet.ts" : file));
    const ran = await runIn(dir, process.execPath, ["pool.mjs"]);
    expect(ran.stderr).toBe("");
    expect(JSON.parse(ran.stdout)).toEqual(["done", "done", "done", "done"]);
  }, 60_000);

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

  it("submit and worker without pg-boss (an optional peer): one line naming the fix, exit 2, before connecting", async () => {
    // Port 9 (discard) on loopback: nothing answers there, so a connection attempt would be a different message.
    for (const args of [
      ["worker", "--store", "postgres://nobody@127.0.0.1:9/none"],
      ["submit", "chart.ts", "--store", "postgres://nobody@127.0.0.1:9/none"],
    ]) {
      const ran = await runIn(project.dir, "npx", ["escapement", ...args]);
      expect(ran.code, ran.stderr).toBe(2);
      expect(ran.stderr.trim().split("\n")).toHaveLength(1);
      expect(ran.stderr).toMatch(/needs the package pg-boss, which is not installed .*: npm install pg-boss/);
    }
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

  it("sim explores a project's own chart with the installed core: coverage, no failure, no session left", async () => {
    const dir = addFolder(project, "greet", "greet-sim", "module");
    const ran = await runIn(dir, "npx", ["escapement", "sim", "chart.ts", "--runs", "20", "--seed", "1", "--json"]);
    expect(ran.code, ran.stderr).toBe(0);
    const report = JSON.parse(ran.stdout) as { runs: number; outcomes: Record<string, number>; states: { missed: string[] }; failures: unknown[] };
    expect(report).toMatchObject({ runs: 20, outcomes: { done: 20 }, failures: [] });
    expect(report.states.missed).toEqual([]);
    expect(readdirSync(dir)).not.toContain(".escapement");
  });

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

describe("npx escapement with packages it cannot share with the chart: one clear line, exit 2, nothing written", () => {
  /** A chart folder with its own node_modules holding `packages` (installed for real, from the registry). */
  const folderWith = async (name: string, packages: string[]): Promise<string> => {
    const dir = addFolder(project, "greet", name, "module");
    copyFileSync(join(dir, "chart.ts"), join(dir, "greet.ts"));
    await exec("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", "--no-package-lock", ...packages], { cwd: dir });
    return dir;
  };

  const expectRefused = async (dir: string, match: RegExp) => {
    const ran = await runIn(dir, "npx", ["escapement", "run", "greet.ts", "--no-tui"]);
    expect(ran.code, ran.stdout).toBe(2);
    expect(ran.stderr.trim().split("\n")).toHaveLength(1);
    expect(ran.stderr).toMatch(match);
    expect(readdirSync(dir)).not.toContain(".escapement");
  };

  it("xstate 4 (a wrong major)", async () => {
    const dir = await folderWith("xstate-4", ["xstate@4.38.3"]);
    await expectRefused(
      dir,
      /^escapement: xstate 4\.38\.3 \(in .*xstate-4\/node_modules\/xstate\) is not supported: @escapement\/core needs xstate >=5\.13\.0 <6; npm i xstate@\^5\.13$/m,
    );
  }, 120_000);

  it("zod 3 (a wrong major)", async () => {
    const dir = await folderWith("zod-3", ["zod@3.25.76"]);
    await expectRefused(dir, /^escapement: zod 3\.25\.76 \(in .*zod-3\/node_modules\/zod\) is not supported: @escapement\/core needs zod >=4\.1\.8 <5/m);
  }, 120_000);

  it("a second copy of xstate beside the core's", async () => {
    const dir = await folderWith("xstate-second", ["xstate@5.20.0"]);
    await expectRefused(
      dir,
      /^escapement: two copies of xstate: the chart in .*xstate-second loads xstate 5\.20\.0 from .*, @escapement\/core loads xstate 5\.\d+\.\d+ from .*; install one version for both/m,
    );
  }, 120_000);

  it("a second @escapement/core (a global escapement running a project's chart)", async () => {
    const dir = addFolder(project, "greet", "second-core", "module");
    copyFileSync(join(dir, "chart.ts"), join(dir, "greet.ts"));
    cpSync(join(project.dir, "node_modules/@escapement/core"), join(dir, "node_modules/@escapement/core"), { recursive: true });
    await expectRefused(
      dir,
      /^escapement: the chart imports @escapement\/core .* from .*second-core\/node_modules\/@escapement\/core, but this escapement is @escapement\/core .*; run the chart project's own \(npx escapement\)/m,
    );
  });
});

describe("the installed terminal UI", () => {
  let pane: Pane | undefined;
  afterAll(() => pane?.kill());

  it("shows a TypeScript chart to its end in a terminal, from the installed packages with no environment variables", async () => {
    const dir = addFolder(project, "greet", "greet-tui", "commonjs");
    copyFileSync(join(dir, "chart.ts"), join(dir, "greet.ts"));
    const session = join(dir, "session");
    pane = openPane("installed-tui", { cwd: dir, width: 120, height: 40 });
    pane.run(`npx escapement run greet.ts --session-dir ${session}; echo EXIT=$?`);
    await pane.waitForScreen("Hello, installed world!", "the streamed greeting in the TUI", 30_000);
    await pane.waitForScreen(/\bdone\b/, "the outcome in the header", 30_000);
    expect(pane.format("#{alternate_on}")).toBe("1");
    // The sidecar is the installed TUI's prebuilt bundle, run by the installed Bun.
    const sidecars = execFileSyncText("ps", ["-eo", "args"])
      .split("\n")
      .filter((line) => line.includes("@escapement/tui/dist/main.js"));
    expect(sidecars[0]).toContain(join(project.dir, "node_modules/bun/"));
    pane.keys("C-c");
    await pane.waitForScreen("EXIT=0", "the CLI's exit");
    expect(JSON.parse(readFileSync(join(session, "session.json"), "utf8"))).toMatchObject({ status: "done" });
  }, 60_000);

  it("without Bun: one clear line naming the fix, exit 2, nothing written", async () => {
    const dir = addFolder(project, "greet", "greet-no-bun", "commonjs");
    copyFileSync(join(dir, "chart.ts"), join(dir, "greet.ts"));
    const bun = join(project.dir, "node_modules/bun");
    renameSync(bun, `${bun}.away`);
    try {
      pane = openPane("no-bun", { cwd: dir, width: 160, height: 20 });
      pane.run("npx escapement run greet.ts 2>err.txt; echo EXIT=$?");
      await pane.waitForScreen("EXIT=2", "the CLI's exit");
      const lines = readFileSync(join(dir, "err.txt"), "utf8").trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/Bun.*not installed.*--no-tui/);
      expect(readdirSync(dir)).not.toContain(".escapement");
    } finally {
      renameSync(`${bun}.away`, bun);
    }
  }, 60_000);
});

describe("the docs' examples, run from the installed packages", () => {
  const examples = docExamples(repo);
  // Programs and charts; files they only read (`with`) are written beside them.
  const read = new Set([...examples.values()].flatMap((example) => example.with));
  const runnable = [...examples.values()].filter((example) => example.text !== "" && !read.has(example.name));

  it("the docs have examples that claim to run", () => {
    expect(runnable.map((example) => example.name).sort()).toEqual([
      "ag-ui-host.mts",
      "chart-check.test.mts",
      "config-from-code.mts",
      "greeting.test.mts",
      "hello-host-replay.mts",
      "hello-host.mts",
      "hello/chart.ts",
      "inspect-host.mts",
      "otel-host.mts",
    ]);
  });

  for (const example of runnable) {
    it(`${example.page}: ${example.name} runs${example.output === undefined ? "" : " and prints what the page shows"}`, async () => {
      const dir = join(project.dir, "docs", example.name.replaceAll("/", "-"));
      const file = join(dir, example.name);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, fullText(examples, example));
      for (const needed of example.with) writeFileSync(join(dir, needed), examples.get(needed)!.text);
      if (basename(example.name) === "chart.ts") {
        // A chart module: run by the CLI on the bundled script of the repository example it shows.
        const folder = dirname(example.name);
        copyFileSync(join(repo, "examples", folder, "script.json"), join(dir, folder, "script.json"));
        const ran = await runIn(dir, "npx", ["escapement", "run", folder, "--no-tui", "--session-dir", join(dir, "session")]);
        expect(ran.code, ran.stderr).toBe(0);
        expect(resultOf(ran)).toMatchObject({ status: "done" });
        return;
      }
      if (/\.test\.m?ts$/.test(example.name)) {
        // A test of the user's own, run by their vitest: it passes with no key and no network.
        const tested = await runIn(dir, "npx", ["vitest", "run", example.name], { ANTHROPIC_API_KEY: "" });
        expect(tested.code, tested.stdout + tested.stderr).toBe(0);
        expect(tested.stdout).toMatch(/Tests\s+1 passed \(1\)/);
        return;
      }
      const ran = await runIn(dir, "npx", ["tsx", example.name], { TMPDIR: dir });
      expect(ran.stderr).toBe("");
      expect(ran.code).toBe(0);
      if (example.output !== undefined) expect(ran.stdout).toBe(fullOutput(example.name));
    }, 120_000);
  }

  /** What an example prints: its own output block after that of the example it continues. */
  const fullOutput = (name: string): string => {
    const example = examples.get(name)!;
    return (example.after ? fullOutput(example.after) : "") + (example.output ?? "");
  };
});
