/**
 * Where the terminal UI and its Bun come from: an installed `@escapement/tui` (its build) run by
 * the `bun` package resolved from the TUI's own directory, with the overrides, the unbuilt
 * checkout, and every way the machine can lack them answered by one line with the fix. The
 * layouts are fake node_modules trees in a temp dir; the "Bun" in them is a shell script.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { resolveSidecar, sidecarArgs, sidecarCommand, spawnSidecar } from "../../src/cli/tui/sidecar.js";
import { UsageError } from "../../src/runtime/usage-error.js";

const scratch = mkdtempSync(join(tmpdir(), "escapement-sidecar-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const FIX = "reinstall with scripts enabled (npm i @escapement/tui), or run with --no-tui";
const RERUN =
  "the bun package's install script puts it there: rerun it with scripts enabled (npm rebuild bun; if npm skipped it, npm install-scripts approve bun first), or run with --no-tui";
/** What the bun package ships in place of its executable until its install script replaces it. */
const PLACEHOLDER =
  'echo "Error: Bun\'s postinstall script was not run." >&2\necho "" >&2\necho "Or reinstall bun without the --ignore-scripts flag." >&2\nexit 1\n';
const WORKING_BUN = "#!/bin/sh\necho 1.4.5\n";

let layouts = 0;

interface Layout {
  root: string;
  /** The core's module, the anchor resolution starts from. */
  from: string;
  tui: string;
}

const write = (path: string, text: string, mode?: number) => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  if (mode !== undefined) chmodSync(path, mode);
};

/** A project with the core installed, and optionally the TUI (built or not) and Bun packages at given places. */
function layout(options: { tui?: "built" | "sources" | "empty" | "none"; bunAt?: string[]; bunExe?: string | null; bunMode?: number } = {}): Layout {
  const root = join(scratch, `project-${++layouts}`);
  const modules = join(root, "node_modules");
  const from = join(modules, "@escapement", "core", "dist", "cli", "tui", "sidecar.js");
  write(from, "");
  const tui = join(modules, "@escapement", "tui");
  const kind = options.tui ?? "built";
  if (kind !== "none") {
    write(join(tui, "package.json"), JSON.stringify({ name: "@escapement/tui", exports: { "./main": "./dist/main.js", "./package.json": "./package.json" } }));
    if (kind === "built") write(join(tui, "dist", "main.js"), "");
    if (kind === "sources") write(join(tui, "src", "main.ts"), "");
  }
  for (const at of options.bunAt ?? ["node_modules"]) {
    const dir = join(root, at, "bun");
    write(join(dir, "package.json"), JSON.stringify({ name: "bun", bin: { bun: "bin/bun.exe", bunx: "bin/bunx.exe" } }));
    const exe = options.bunExe === undefined ? WORKING_BUN : options.bunExe;
    if (exe !== null) write(join(dir, "bin", "bun.exe"), exe, options.bunMode ?? 0o755);
  }
  return { root, from: pathToFileURL(from).href, tui };
}

/** The UsageError `resolveSidecar` throws, or a failure if it does not. */
function refusal(env: Record<string, string>, from: string): string {
  try {
    resolveSidecar(env, from);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error("resolveSidecar did not refuse");
}

describe("resolveSidecar: an installed @escapement/tui", () => {
  it("runs the package's build (its ./main export) with the bun package's executable", () => {
    const project = layout();
    expect(resolveSidecar({}, project.from)).toEqual({
      command: join(project.root, "node_modules", "bun", "bin", "bun.exe"),
      bunArgs: [],
      entry: join(project.tui, "dist", "main.js"),
    });
  });

  it("takes Bun from the TUI's own directory before the core's", () => {
    const project = layout({ bunAt: ["node_modules/@escapement/tui/node_modules", "node_modules/@escapement/core/node_modules"] });
    expect(resolveSidecar({}, project.from).command).toBe(join(project.tui, "node_modules", "bun", "bin", "bun.exe"));
  });

  it("falls back to a Bun the core can resolve", () => {
    const project = layout({ bunAt: ["node_modules/@escapement/core/node_modules"] });
    expect(resolveSidecar({}, project.from).command).toBe(join(project.root, "node_modules", "@escapement", "core", "node_modules", "bun", "bin", "bun.exe"));
  });

  it("an unbuilt checkout runs the sources, resolving the workspace packages to theirs", () => {
    const project = layout({ tui: "sources" });
    expect(resolveSidecar({}, project.from)).toMatchObject({ bunArgs: ["--conditions=escapement-source"], entry: join(project.tui, "src", "main.ts") });
  });
});

describe("resolveSidecar: one line with the fix when the machine lacks a part", () => {
  it("no bun package", () => {
    const project = layout({ bunAt: [] });
    expect(refusal({}, project.from)).toBe(
      `the terminal UI needs Bun, which is not installed (the bun package is missing from ${project.tui} and the directories above it); ${FIX}`,
    );
  });

  it("a bun package without its executable", () => {
    const project = layout({ bunExe: null });
    const dir = join(project.root, "node_modules", "bun");
    expect(refusal({}, project.from)).toBe(
      `the terminal UI needs Bun, but the bun package at ${dir} has no executable (${join(dir, "bin", "bun.exe")} is missing); ${RERUN}`,
    );
  });

  it("the placeholder left when the bun package's install script did not run", () => {
    const project = layout({ bunExe: PLACEHOLDER });
    const exe = join(project.root, "node_modules", "bun", "bin", "bun.exe");
    expect(refusal({}, project.from)).toBe(
      `the terminal UI needs Bun, but ${exe} does not run (exit code 1: Error: Bun's postinstall script was not run.); ${RERUN}`,
    );
  });

  it("an executable without the execute permission", () => {
    const project = layout({ bunMode: 0o644 });
    const exe = join(project.root, "node_modules", "bun", "bin", "bun.exe");
    expect(refusal({}, project.from)).toBe(`the terminal UI needs Bun, but ${exe} does not run (EACCES); ${RERUN}`);
  });

  it("a Bun that prints no version", () => {
    const project = layout({ bunExe: "#!/bin/sh\necho hello\n" });
    const exe = join(project.root, "node_modules", "bun", "bin", "bun.exe");
    expect(refusal({}, project.from)).toBe(`the terminal UI needs Bun, but ${exe} does not run (\`--version\` printed "hello"); ${RERUN}`);
  });

  it("no @escapement/tui", () => {
    const project = layout({ tui: "none" });
    expect(refusal({}, project.from)).toBe(
      "the terminal UI needs the package @escapement/tui, which is not installed; install it (npm i @escapement/tui), or run with --no-tui",
    );
  });

  it("an @escapement/tui without its build", () => {
    const project = layout({ tui: "empty" });
    expect(refusal({}, project.from)).toBe(
      `the terminal UI package at ${project.tui} is not built (no ./dist/main.js); reinstall it (npm i @escapement/tui), or run with --no-tui`,
    );
  });
});

describe("resolveSidecar: ESCAPEMENT_BUN and ESCAPEMENT_TUI_ENTRY", () => {
  it("override the packages, which then need not be installed", () => {
    const project = layout({ tui: "none", bunAt: [] });
    const bun = join(project.root, "my-bun");
    const entry = join(project.root, "my-tui.js");
    write(bun, WORKING_BUN, 0o755);
    write(entry, "");
    expect(resolveSidecar({ ESCAPEMENT_BUN: bun, ESCAPEMENT_TUI_ENTRY: entry }, project.from)).toEqual({ command: bun, bunArgs: [], entry });
  });

  it("a TypeScript entry runs with the source condition", () => {
    const project = layout();
    const entry = join(project.root, "main.ts");
    write(entry, "");
    expect(resolveSidecar({ ESCAPEMENT_TUI_ENTRY: entry }, project.from).bunArgs).toEqual(["--conditions=escapement-source"]);
  });

  it("are checked too", () => {
    const project = layout();
    const missing = join(project.root, "nowhere");
    expect(refusal({ ESCAPEMENT_TUI_ENTRY: missing }, project.from)).toBe(
      `ESCAPEMENT_TUI_ENTRY=${missing} does not exist; point it at the terminal UI's main.js or unset it, or run with --no-tui`,
    );
    expect(refusal({ ESCAPEMENT_BUN: missing }, project.from)).toBe(
      `ESCAPEMENT_BUN=${missing} does not run (ENOENT); point it at a Bun executable or unset it, or run with --no-tui`,
    );
  });
});

describe("the sidecar in this repository", () => {
  it("is the workspace's Bun running the TUI's build, or its sources before a build", () => {
    const repo = resolve(import.meta.dirname, "../../..");
    const { command, entry, bunArgs } = sidecarCommand("ws://127.0.0.1:1", "t", {});
    expect(command).toBe(join(repo, "node_modules", "bun", "bin", "bun.exe"));
    expect([join(repo, "tui", "dist", "main.js"), join(repo, "tui", "src", "main.ts")]).toContain(entry);
    expect(bunArgs).toEqual(entry.endsWith(".ts") ? ["--conditions=escapement-source"] : []);
  });

  it("gets Bun's flags, the entry, the URL and the session directory; the token goes in the environment", () => {
    expect(sidecarArgs({ command: "/b/bun", bunArgs: ["--x"], entry: "/t/main.js", url: "ws://h:1", token: "secret" }, "/s")).toEqual({
      command: "/b/bun",
      args: ["--x", "/t/main.js", "--url", "ws://h:1", "--session-dir", "/s"],
      env: { ESCAPEMENT_WIRE_TOKEN: "secret" },
    });
  });

  it("gets no session directory for a session kept in a store: the TUI reads blobs over the wire", () => {
    expect(sidecarArgs({ command: "/b/bun", bunArgs: [], entry: "/t/main.js", url: "ws://h:1", token: "secret" }, undefined).args).toEqual([
      "/t/main.js",
      "--url",
      "ws://h:1",
    ]);
  });

  it("gets the core's process id, so the TUI exits when the core is gone", () => {
    const command = { command: "/b/bun", bunArgs: [], entry: "/t/main.js", url: "ws://h:1", token: "secret", parentPid: 4242 };
    expect(sidecarArgs(command, "/s").args).toEqual(["/t/main.js", "--url", "ws://h:1", "--session-dir", "/s", "--parent-pid", "4242"]);
  });

  it("that cannot be started exits 127 with the reason", async () => {
    const sidecar = spawnSidecar({ command: join(scratch, "no-such-bun"), args: [] }, { cwd: scratch, env: {} });
    const exit = await sidecar.exited;
    expect(exit).toMatchObject({ code: 127, signal: null });
    expect(exit.error).toContain("ENOENT");
    expect(sidecar.running).toBe(false);
  });
});
