import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { UsageError } from "../usage-error.js";

export interface SidecarCommand {
  command: string;
  entry: string;
  url: string;
  token: string;
}

export interface SidecarExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * The terminal UI's command line: Bun (from the installed `bun` package) running the installed
 * `@escapement/tui` package's entry. `ESCAPEMENT_BUN` and `ESCAPEMENT_TUI_ENTRY` override either
 * (for packagers and tests). Resolved at run time: core does not import the TUI.
 */
export function sidecarCommand(url: string, token: string, env: Readonly<Record<string, string | undefined>>): SidecarCommand {
  return { ...resolveSidecar(env), url, token };
}

interface ResolvedSidecar {
  command: string;
  entry: string;
}

/** The environment variable that carries the wire token to the TUI (a command line would show it in `ps`). */
export const tokenEnvVar = "ESCAPEMENT_WIRE_TOKEN";

/** The full command line, once the session directory is known (the TUI reads full requests, responses and artifacts from it). */
export function sidecarArgs(sidecar: SidecarCommand, sessionDir: string): { command: string; args: string[]; env: Record<string, string> } {
  return {
    command: sidecar.command,
    args: [sidecar.entry, "--url", sidecar.url, "--session-dir", sessionDir],
    env: { [tokenEnvVar]: sidecar.token },
  };
}

function resolveSidecar(env: Readonly<Record<string, string | undefined>>): ResolvedSidecar {
  const require = createRequire(import.meta.url);
  const bun = env.ESCAPEMENT_BUN ?? resolvePackageBin(require, "bun", "bun");
  const entry = env.ESCAPEMENT_TUI_ENTRY ?? join(dirname(resolveOrThrow(require, "@escapement/tui/package.json")), "src", "main.ts");
  if (!existsSync(entry)) throw new UsageError(`the terminal UI entry ${entry} does not exist; run with --no-tui`);
  return { command: bun, entry };
}

function resolveOrThrow(require: NodeJS.Require, id: string): string {
  try {
    return require.resolve(id);
  } catch {
    throw new UsageError(`the terminal UI needs the package ${id.split("/package.json")[0]}, which is not installed; run with --no-tui`);
  }
}

function resolvePackageBin(require: NodeJS.Require, pkg: string, bin: string): string {
  const manifestPath = resolveOrThrow(require, `${pkg}/package.json`);
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { bin?: string | Record<string, string> };
  const relative = typeof manifest.bin === "string" ? manifest.bin : manifest.bin?.[bin];
  if (!relative) throw new UsageError(`the ${pkg} package has no ${bin} executable; run with --no-tui`);
  return resolve(dirname(manifestPath), relative);
}

/** A started sidecar: it owns the terminal (inherited stdio) until it exits. */
export interface Sidecar {
  readonly child: ChildProcess;
  readonly exited: Promise<SidecarExit>;
  readonly running: boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it is gone. */
  stop(graceMs?: number): Promise<SidecarExit>;
}

export function spawnSidecar(
  command: { command: string; args: string[]; env?: Record<string, string> },
  options: { cwd: string; env: Readonly<Record<string, string | undefined>> },
): Sidecar {
  const env = { ...options.env, ...command.env } as NodeJS.ProcessEnv;
  const child = spawn(command.command, command.args, { cwd: options.cwd, env, stdio: "inherit" });
  let running = true;
  const exited = new Promise<SidecarExit>((resolveExit) => {
    child.once("exit", (code, signal) => {
      running = false;
      resolveExit({ code, signal });
    });
    child.once("error", () => {
      running = false;
      resolveExit({ code: 127, signal: null });
    });
  });
  return {
    child,
    exited,
    get running() {
      return running;
    },
    async stop(graceMs = 3000) {
      if (!running) return exited;
      child.kill("SIGTERM");
      const timer = setTimeout(() => running && child.kill("SIGKILL"), graceMs);
      const exit = await exited;
      clearTimeout(timer);
      return exit;
    },
  };
}
