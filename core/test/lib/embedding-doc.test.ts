/**
 * docs/embedding.md cannot drift: its examples are written to a file and run with tsx as a child
 * process, and what they print must be the output blocks the page shows. The page also documents
 * every option and every public event type.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { publicEventTypes, validateOptions } from "../../src/index.js";
import { runOptionNames } from "../../src/lib/options.js";
import { scriptedModel } from "../../src/llm/index.js";
import { repo } from "./helpers.js";

const page = readFileSync(join(repo, "docs/embedding.md"), "utf8");

/** The fenced block right after `<!-- <marker> -->`. */
const blockAfter = (marker: string): string => {
  const match = new RegExp(`<!-- ${marker} -->\\n\`\`\`[a-z]*\\n([\\s\\S]*?)\`\`\``).exec(page);
  if (!match) throw new Error(`docs/embedding.md has no block after <!-- ${marker} -->`);
  return match[1] as string;
};

// Inside the repository (git-ignored /tmp/), so `@escapement/core` resolves as it would in a project.
mkdirSync(join(repo, "tmp"), { recursive: true });
const work = mkdtempSync(join(repo, "tmp", "embedding-doc-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const runTsx = (file: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(repo, "node_modules/tsx/dist/cli.mjs"), file], { cwd: work, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const deadline = setTimeout(() => {
      child.kill("SIGKILL");
      fail(new Error(`the example did not finish in time\n${stderr}`));
    }, 90_000);
    child.on("exit", (code) => {
      clearTimeout(deadline);
      done({ code, stdout, stderr });
    });
  });

describe("docs/embedding.md", () => {
  it("its example runs with tsx and prints exactly the output the page shows", { timeout: 120_000 }, async () => {
    const file = join(work, "hello-host.mts");
    writeFileSync(file, blockAfter("example: hello-host.mts"));
    // TMPDIR keeps the example's default session directory inside this test's directory.
    const result = await runTsx(file, { ...process.env, TMPDIR: work });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(blockAfter("output: hello-host.mts"));
  });

  it("its cassette example, appended to the first one, replays that run and prints the line the page shows", { timeout: 120_000 }, async () => {
    const file = join(work, "hello-host-replay.mts");
    writeFileSync(file, `${blockAfter("example: hello-host.mts")}\n${blockAfter("example: hello-host-replay.mts")}`);
    const result = await runTsx(file, { ...process.env, TMPDIR: work });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(blockAfter("output: hello-host.mts") + blockAfter("output: hello-host-replay.mts"));
  });

  it("documents every option", () => {
    for (const name of runOptionNames) expect(page).toContain(`| \`${name}\` |`);
  });

  it("documents every public event type", () => {
    for (const type of publicEventTypes) expect(page).toContain(`| \`${type}\` |`);
  });

  it("shows the issues validateOptions really gives for its bad-input example", () => {
    const result = validateOptions({ chart: { id: "x" }, modle: scriptedModel([]), credentials: { antropic: "k" } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((issue) => issue.path)).toEqual(["chart.machine", "modle", "credentials.antropic", "model"]);
    for (const issue of result.issues) {
      const shown = issue.message.replace(/ \(known: chart, model, .*\)/, " (known: chart, model, ...)").replaceAll('"', '\\"');
      expect(page).toContain(`{ path: "${issue.path}", message: "${shown}" }`);
    }
  });
});
