/**
 * A real terminal for cross-process tests: a tmux server on its own socket, one pane running a
 * plain shell. Everything waits on what it can observe (screen text, a file) with a deadline;
 * nothing sleeps for readiness.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import type { TranscriptRow } from "@escapement/wire-schema";

export interface Pane {
  /** Types a command line into the shell and presses Enter. */
  run(command: string): void;
  /** tmux send-keys: key names ("Enter", "C-c", "Down") or literal text with `literal`. */
  keys(...keys: string[]): void;
  type(text: string): void;
  screen(): string;
  /** A tmux format of the pane, e.g. "#{alternate_on}". */
  format(format: string): string;
  waitForScreen(match: string | RegExp, what?: string, ms?: number): Promise<string>;
  kill(): void;
}

const POLL_MS = 50;

export async function until<T>(probe: () => T | undefined | false, what: string, ms = 15_000, describe?: () => string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}${describe ? `\n${describe()}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Waits until `path` exists and `accept` holds for its text. */
export const waitForFile = (path: string, accept: (text: string) => boolean, what: string, ms = 15_000): Promise<string> =>
  until(
    () => {
      if (!existsSync(path)) return undefined;
      const text = readFileSync(path, "utf8");
      return accept(text) ? text : undefined;
    },
    what,
    ms,
    () => (existsSync(path) ? `${path}:\n${readFileSync(path, "utf8").slice(-2000)}` : `${path} does not exist`),
  );

/** Stops this process's tmux server (every pane opened by `openPane`). */
export function killPanes(): void {
  try {
    execFileSync("tmux", ["-L", `escapement-test-${process.pid}`, "kill-server"], { stdio: "ignore" });
  } catch {
    // no server
  }
}

export function openPane(name: string, options: { width?: number; height?: number; cwd: string; env?: Record<string, string> }): Pane {
  const socket = `escapement-test-${process.pid}`;
  const tmux = (...args: string[]) => execFileSync("tmux", ["-L", socket, ...args], { encoding: "utf8" });
  const env = Object.entries(options.env ?? {})
    .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
    .join(" ");
  // A session that lives as long as the server, so the server never exits between two tests
  // (a new-session racing a server on its way out fails with "server exited unexpectedly").
  try {
    tmux("has-session", "-t", "keeper");
  } catch {
    tmux("new-session", "-d", "-s", "keeper", "sleep 86400");
  }
  tmux(
    "new-session",
    "-d",
    "-s",
    name,
    "-x",
    String(options.width ?? 120),
    "-y",
    String(options.height ?? 40),
    "-c",
    options.cwd,
    `env ${env} PS1='$ ' bash --norc --noprofile`,
  );
  const target = `${name}:0.0`;
  const pane: Pane = {
    run: (command) => {
      tmux("send-keys", "-t", target, "-l", command);
      tmux("send-keys", "-t", target, "Enter");
    },
    keys: (...keys) => {
      tmux("send-keys", "-t", target, ...keys);
    },
    type: (text) => {
      tmux("send-keys", "-t", target, "-l", text);
    },
    screen: () => tmux("capture-pane", "-p", "-t", target),
    format: (format) => tmux("display-message", "-p", "-t", target, format).trim(),
    waitForScreen: (match, what, ms = 15_000) =>
      until(
        () => {
          const screen = pane.screen();
          return (typeof match === "string" ? screen.includes(match) : match.test(screen)) ? screen : undefined;
        },
        what ?? `the screen to show ${String(match)}`,
        ms,
        () => `screen:\n${pane.screen()}`,
      ),
    kill: () => {
      try {
        tmux("kill-session", "-t", name);
      } catch {
        // already gone
      }
    },
  };
  return pane;
}

/** Whether tmux can be started here (the tests that need a real terminal skip, loudly, without it). */
export const hasTmux = (() => {
  try {
    execFileSync("tmux", ["-V"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

/** The rows of a transcript file so far; none while it does not exist. */
export const rowsIn = (path: string): TranscriptRow[] =>
  existsSync(path)
    ? readFileSync(path, "utf8")
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => JSON.parse(line) as TranscriptRow)
    : [];
