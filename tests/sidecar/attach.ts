/**
 * For cross-process tests of the terminal UI on its own: a real core run headless with a wire
 * server (`--no-tui --listen`), started by the test so it can stop, continue or kill it, and the
 * real UI (tui/dist/main.js under Bun) attached to it in a tmux pane.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { until, type Pane } from "./tmux.js";

export const repo = resolve(import.meta.dirname, "../..");

export interface WireInfo {
  url: string;
  token: string;
  pid: number;
}

export interface Core {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly session: string;
  readonly info: WireInfo;
  readonly exited: Promise<number | null>;
  /** SIGKILL, if it still runs. */
  kill(): void;
}

/** `escapement run tests/sidecar/fixture --no-tui --listen 127.0.0.1:0`, once its wire.json is there. */
export async function startCore(session: string): Promise<Core> {
  const child = spawn(
    process.execPath,
    ["core/bin/escapement.mjs", "run", "tests/sidecar/fixture", "--no-tui", "--listen", "127.0.0.1:0", "--session-dir", session],
    {
      cwd: repo,
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
  const wireJson = join(session, "wire.json");
  const info = await until(
    () => {
      if (!existsSync(wireJson)) return undefined;
      try {
        return JSON.parse(readFileSync(wireJson, "utf8")) as WireInfo;
      } catch {
        return undefined;
      }
    },
    "wire.json",
    20_000,
    () => stderr,
  );
  return {
    child,
    pid: child.pid as number,
    session,
    info,
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) {
        // A stopped process takes SIGKILL too.
        child.kill("SIGKILL");
      }
    },
  };
}

/** Runs the UI attached to `core` in `pane`, then `echo EXIT=$?`. */
export function attachTui(pane: Pane, core: Core, extra = ""): void {
  pane.run(
    `ESCAPEMENT_WIRE_TOKEN=${core.info.token} node_modules/.bin/bun tui/dist/main.js --url ${core.info.url} --session-dir ${core.session} ${extra}; echo EXIT=$?`,
  );
}

/** The pid of the UI attached to `url` (its command line names the URL), or undefined. */
export function tuiPid(url: string): number | undefined {
  for (const entry of readdirProc()) {
    const cmdline = entry.cmdline;
    if (/tui\/(dist\/main\.js|src\/main\.ts)/.test(cmdline) && cmdline.includes(`--url ${url}`)) return entry.pid;
  }
  return undefined;
}

/** Whether process `pid` exists (and is not a zombie waiting for its parent). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}

function readdirProc(): { pid: number; cmdline: string }[] {
  const entries: { pid: number; cmdline: string }[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      entries.push({ pid: Number(name), cmdline: readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0").join(" ") });
    } catch {
      // Gone meanwhile.
    }
  }
  return entries;
}

/** The run's elapsed time in the header ("running 0:07"), or undefined. */
export const headerElapsed = (screen: string): string | undefined => /\b(?:running|paused|waiting) (\d+:\d\d)/.exec(screen.split("\n")[0] ?? "")?.[1];
