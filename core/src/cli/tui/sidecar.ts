import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { UsageError } from "../../runtime/usage-error.js";

type Env = Readonly<Record<string, string | undefined>>;

export interface SidecarCommand {
  /** Bun. */
  command: string;
  /** Bun's own flags, before the entry. */
  bunArgs: string[];
  entry: string;
  url: string;
  token: string;
  /** The core's process id: the TUI exits when that process is gone (the core was killed). */
  parentPid?: number;
}

export interface SidecarExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Why the sidecar could not be started at all (then `code` is 127), e.g. `spawn /x/bun EACCES`. */
  error?: string;
}

/**
 * The terminal UI's command line: Bun running the installed `@escapement/tui` package's entry.
 * `ESCAPEMENT_BUN` and `ESCAPEMENT_TUI_ENTRY` override either (for packagers and tests).
 * Resolved at run time, before the run starts: core does not import the TUI, and a missing or
 * broken Bun or TUI is a usage error (one line with the fix), not a broken session.
 */
/** The terminal UI's exit status when its terminal went away (SIGHUP, its input ended): see docs/tui.md. */
export const TUI_TERMINAL_GONE_EXIT = 129;

export function sidecarCommand(url: string, token: string, env: Env, parentPid?: number): SidecarCommand {
  return { ...resolveSidecar(env), url, token, ...(parentPid === undefined ? {} : { parentPid }) };
}

/** The environment variable that carries the wire token to the TUI (a command line would show it in `ps`). */
export const tokenEnvVar = "ESCAPEMENT_WIRE_TOKEN";

/**
 * The full command line, once the session is known. With its directory the TUI reads full
 * requests, responses and artifacts from it; without one (a session kept in a store) it reads them
 * over the wire (`read-blob`).
 */
export function sidecarArgs(sidecar: SidecarCommand, sessionDir: string | undefined): { command: string; args: string[]; env: Record<string, string> } {
  return {
    command: sidecar.command,
    args: [
      ...sidecar.bunArgs,
      sidecar.entry,
      "--url",
      sidecar.url,
      ...(sessionDir === undefined ? [] : ["--session-dir", sessionDir]),
      ...(sidecar.parentPid === undefined ? [] : ["--parent-pid", String(sidecar.parentPid)]),
    ],
    env: { [tokenEnvVar]: sidecar.token },
  };
}

export interface ResolvedSidecar {
  command: string;
  bunArgs: string[];
  entry: string;
}

const TUI_PACKAGE = "@escapement/tui";
const NO_TUI = "or run with --no-tui";
const REINSTALL = `reinstall with scripts enabled (npm i ${TUI_PACKAGE}), ${NO_TUI}`;
/** The bun package's install script replaces a placeholder with the real executable; npm skips it under --ignore-scripts, or when the package is not approved in allowScripts. */
const RERUN_SCRIPT = `the bun package's install script puts it there: rerun it with scripts enabled (npm rebuild bun; if npm skipped it, npm install-scripts approve bun first), ${NO_TUI}`;

/**
 * Bun's flags for a TypeScript entry (the TUI's sources): the workspace packages it imports are
 * resolved to their sources too, whose published exports point at builds a checkout may not have.
 */
const SOURCE_ARGS = ["--conditions=escapement-source"];

/**
 * Where the TUI and its Bun are, as seen from `from` (the core's own module, or a test's fake
 * layout):
 *
 * - the entry: the `./main` export of the installed `@escapement/tui` (its build, dist/main.js).
 *   A checkout that has not been built (no dist, but src/main.ts) runs the sources instead:
 *   src/main.ts registers OpenTUI's Solid transform itself, which only works outside node_modules.
 * - Bun: the `bun` package's executable, resolved from the TUI package's directory (Bun is the
 *   TUI's dependency), else from the core's. It is run once (`--version`) before it is trusted:
 *   the package installs its real executable with an install script, which `--ignore-scripts` or
 *   an unsupported platform leaves undone, keeping a placeholder that fails.
 */
export function resolveSidecar(env: Env, from: string = import.meta.url): ResolvedSidecar {
  const core = createRequire(from);
  const tuiManifest = tryResolve(core, `${TUI_PACKAGE}/package.json`);
  const entry = env.ESCAPEMENT_TUI_ENTRY ? overriddenEntry(env.ESCAPEMENT_TUI_ENTRY) : packageEntry(tuiManifest);
  const command = env.ESCAPEMENT_BUN ? overriddenBun(env.ESCAPEMENT_BUN, env) : packageBun(tuiManifest, core, env);
  return { command, bunArgs: /\.[cm]?tsx?$/.test(entry) ? [...SOURCE_ARGS] : [], entry };
}

function overriddenEntry(entry: string): string {
  if (!existsSync(entry)) throw new UsageError(`ESCAPEMENT_TUI_ENTRY=${entry} does not exist; point it at the terminal UI's main.js or unset it, ${NO_TUI}`);
  return entry;
}

function packageEntry(manifestPath: string | undefined): string {
  if (!manifestPath)
    throw new UsageError(`the terminal UI needs the package ${TUI_PACKAGE}, which is not installed; install it (npm i ${TUI_PACKAGE}), ${NO_TUI}`);
  const dir = dirname(manifestPath);
  const manifest = readManifest(manifestPath) as { exports?: Record<string, unknown> };
  const main = manifest.exports?.["./main"];
  const built = typeof main === "string" ? resolve(dir, main) : undefined;
  if (built && existsSync(built)) return built;
  const sources = join(dir, "src", "main.ts");
  if (existsSync(sources)) return sources;
  throw new UsageError(
    `the terminal UI package at ${dir} is not built (no ${typeof main === "string" ? main : "./main export"}); reinstall it (npm i ${TUI_PACKAGE}), ${NO_TUI}`,
  );
}

function overriddenBun(bun: string, env: Env): string {
  const fault = bunFault(bun, env);
  if (fault) throw new UsageError(`ESCAPEMENT_BUN=${bun} does not run (${fault}); point it at a Bun executable or unset it, ${NO_TUI}`);
  return bun;
}

function packageBun(tuiManifest: string | undefined, core: NodeJS.Require, env: Env): string {
  const anchors = tuiManifest ? [createRequire(tuiManifest), core] : [core];
  const manifestPath = anchors.map((require) => tryResolve(require, "bun/package.json")).find((path) => path !== undefined);
  if (!manifestPath) {
    const where = tuiManifest ? `the bun package is missing from ${dirname(tuiManifest)} and the directories above it` : "the bun package is missing";
    throw new UsageError(`the terminal UI needs Bun, which is not installed (${where}); ${REINSTALL}`);
  }
  const dir = dirname(manifestPath);
  const manifest = readManifest(manifestPath) as { bin?: string | Record<string, string> };
  const relative = typeof manifest.bin === "string" ? manifest.bin : manifest.bin?.bun;
  const bun = relative ? resolve(dir, relative) : undefined;
  if (!bun || !existsSync(bun)) {
    throw new UsageError(`the terminal UI needs Bun, but the bun package at ${dir} has no executable${bun ? ` (${bun} is missing)` : ""}; ${RERUN_SCRIPT}`);
  }
  const fault = bunFault(bun, env);
  if (fault) throw new UsageError(`the terminal UI needs Bun, but ${bun} does not run (${fault}); ${RERUN_SCRIPT}`);
  return bun;
}

/** Why `bun --version` fails, in a few words (the first line it wrote, the errno), or undefined when it runs. */
function bunFault(bun: string, env: Env): string | undefined {
  const result = spawnSync(bun, ["--version"], { env: env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 15_000 });
  if (result.error) return (result.error as NodeJS.ErrnoException).code ?? result.error.message;
  const said = firstLine(result.stderr) ?? firstLine(result.stdout);
  if (result.signal) return `killed by ${result.signal}`;
  if (result.status !== 0) return `exit code ${result.status}${said ? `: ${said}` : ""}`;
  if (!/^\d+\.\d+/.test(result.stdout.trim())) return `\`--version\` printed ${said ? JSON.stringify(said) : "nothing"}`;
  return undefined;
}

function firstLine(text: string): string | undefined {
  const line = text
    .split("\n")
    .map((part) => part.trim())
    .find((part) => part !== "");
  return line && line.length > 160 ? `${line.slice(0, 157)}...` : line;
}

function tryResolve(require: NodeJS.Require, id: string): string | undefined {
  try {
    return require.resolve(id);
  } catch {
    return undefined;
  }
}

function readManifest(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new UsageError(`cannot read ${path} (${(error as Error).message}); ${REINSTALL}`);
  }
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
  const env = { ...options.env, ...command.env };
  const child = spawn(command.command, command.args, { cwd: options.cwd, env, stdio: "inherit" });
  let running = true;
  const exited = new Promise<SidecarExit>((resolveExit) => {
    child.once("exit", (code, signal) => {
      running = false;
      resolveExit({ code, signal });
    });
    // Not started (ENOENT, EACCES): no `exit` follows.
    child.once("error", (error) => {
      running = false;
      resolveExit({ code: 127, signal: null, error: error.message });
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
