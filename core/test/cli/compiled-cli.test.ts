/**
 * The compiled CLI (core/scripts/build-cli.mjs) is what `escapement` runs for every command but
 * `run` while it is fresh: it must behave exactly like the sources, and a stale one must never run.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
// @ts-expect-error: a plain ES module of the launcher, without types
import { compiledIsFresh } from "../../bin/compiled-cli.mjs";
import { main as sourceMain } from "../../src/cli/main.js";
import type { CliIo } from "../../src/cli/cli-io.js";

const core = resolve(import.meta.dirname, "../..");
const repo = resolve(core, "..");
const scratch = mkdtempSync(join(tmpdir(), "escapement-compiled-cli-"));
// Inside the repository, so the build's npm imports resolve from node_modules as they do for core/dist/cli.
const out = join(core, "dist", `test-${process.pid}`);
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
});

type Main = (argv: readonly string[], io: CliIo) => Promise<number>;

/** Runs a CLI `main` in process, collecting stdout and stderr. */
async function invoke(main: Main, argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  stdout.on("data", (chunk: Buffer) => chunks.stdout.push(chunk));
  stderr.on("data", (chunk: Buffer) => chunks.stderr.push(chunk));
  const code = await main(argv, { cwd: repo, env: {}, stdin: new PassThrough(), stdout, stderr, stdoutIsTty: false, signal: new AbortController().signal } as unknown as CliIo);
  return { code, stdout: Buffer.concat(chunks.stdout).toString("utf8"), stderr: Buffer.concat(chunks.stderr).toString("utf8") };
}

describe("compiledIsFresh", () => {
  const dist = join(scratch, "dist");
  const source = join(scratch, "src", "a.ts");
  const stamp = (builtAt: number, sources: string[]) => writeFileSync(join(dist, "sources.json"), JSON.stringify({ builtAt, sources }));
  mkdirSync(dist, { recursive: true });
  mkdirSync(join(scratch, "src"));
  writeFileSync(source, "export {};\n");
  const builtAt = Date.now();
  utimesSync(source, new Date(builtAt - 60_000), new Date(builtAt - 60_000));

  it("is false without a build", () => {
    expect(compiledIsFresh(dist, scratch)).toBe(false);
  });

  it("is true when every source is older than the build, false once one changed or went missing", () => {
    writeFileSync(join(dist, "main.js"), "");
    stamp(builtAt, ["src/a.ts"]);
    expect(compiledIsFresh(dist, scratch)).toBe(true);
    utimesSync(source, new Date(builtAt + 1000), new Date(builtAt + 1000));
    expect(compiledIsFresh(dist, scratch)).toBe(false);
    stamp(builtAt + 5000, ["src/a.ts", "src/gone.ts"]);
    expect(compiledIsFresh(dist, scratch)).toBe(false);
  });

  it("is false for an unreadable stamp", () => {
    writeFileSync(join(dist, "sources.json"), "{not json");
    expect(compiledIsFresh(dist, scratch)).toBe(false);
    stamp(builtAt, []);
    expect(compiledIsFresh(dist, scratch)).toBe(false);
  });
});

describe("the compiled CLI", () => {
  it("writes the same wire JSONL and the same errors as the sources", async () => {
    execFileSync(process.execPath, [join(core, "scripts", "build-cli.mjs"), "--out", out], { stdio: "pipe" });
    const compiledMain = ((await import(join(out, "main.js"))) as { main: Main }).main;
    const session = join(scratch, "hello");
    const cli = join(core, "bin", "escapement.mjs");
    expect(spawnSync(process.execPath, [cli, "run", join(repo, "examples/hello"), "--no-tui", "--session-dir", session], { cwd: repo }).status).toBe(0);

    const fromSource = await invoke(sourceMain, ["open", session, "--emit-wire"]);
    const compiled = await invoke(compiledMain, ["open", session, "--emit-wire"]);
    expect(fromSource.code).toBe(0);
    expect(compiled).toEqual(fromSource);
    expect(compiled.stdout.split("\n").filter(Boolean).length).toBeGreaterThan(10);

    for (const argv of [["open", join(scratch, "nowhere"), "--emit-wire"], ["show"], ["open", session, "--timing", "sometimes"]]) {
      expect(await invoke(compiledMain, argv)).toEqual(await invoke(sourceMain, argv));
    }
  }, 60_000);
});
