/**
 * For the browser tests: the core started with `--web`, and Debian's Chromium driven by
 * playwright-core. Without Chromium the tests skip, loudly (CI installs it: .ci/run).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { TranscriptRow } from "@escapement/wire-schema";
import { until } from "../sidecar/tmux.js";

export const repo = resolve(import.meta.dirname, "../..");

export const CHROMIUM = process.env.ESCAPEMENT_CHROMIUM ?? "/usr/bin/chromium";

export const hasChromium = existsSync(CHROMIUM);

if (!hasChromium) console.warn(`\n⚠ the browser tests are SKIPPED: no Chromium at ${CHROMIUM} (apt-get install chromium, or set ESCAPEMENT_CHROMIUM)\n`);

export interface Core {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  readonly out: () => string;
  readonly err: () => string;
  /** The page URL the core printed (`web: http://.../#token=...`). */
  readonly url: () => Promise<string>;
}

/** `escapement <args>` from the checkout's built CLI. */
export function startCore(args: readonly string[], env: Record<string, string> = {}): Core {
  const child = spawn(process.execPath, ["core/bin/escapement.mjs", ...args], {
    cwd: repo,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk) => (stdout += chunk));
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
  return {
    child,
    exited,
    out: () => stdout,
    err: () => stderr,
    url: () =>
      until(
        () => /^web: (http:\/\/\S+)$/m.exec(stderr)?.[1],
        "the web URL on stderr",
        20_000,
        () => stderr,
      ),
  };
}

/** The rows a transcript holds that the log shows (every row but the streamed deltas). */
export const loggedSeqs = (rows: readonly TranscriptRow[]): number[] => rows.filter((row) => row.event !== "llm/delta").map((row) => row.seq);

/** Width and height from a PNG's IHDR chunk. */
export function pngSize(png: Buffer): { width: number; height: number } {
  if (png.toString("latin1", 1, 4) !== "PNG") throw new Error("not a PNG");
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

export { until };

/**
 * A finished session of tests/web/fixture, recorded headless: a renderer over the wire answers
 * "Ada", the default tone, no topics and yes.
 */
export async function recordSession(session: string): Promise<void> {
  const { WebSocket } = await import("ws");
  const { readFileSync } = await import("node:fs");
  const { join } = await import("node:path");
  const core = startCore(["run", "tests/web/fixture", "--no-tui", "--listen", "127.0.0.1:0", "--session-dir", session]);
  const wireJson = join(session, "wire.json");
  const info = await until(() => existsSync(wireJson) && (JSON.parse(readFileSync(wireJson, "utf8")) as { url: string; token: string }), "wire.json");
  const ws = new WebSocket(info.url);
  await new Promise((done, fail) => ws.once("open", done).once("error", fail));
  ws.send(JSON.stringify({ v: 1, kind: "attach", token: info.token, protocol: { name: "escapement-wire", version: "1.1.0" } }));
  ws.on("message", (raw) => {
    const frame = JSON.parse(String(raw)) as { kind: string; prompt?: { promptId: string; kind: string; default?: unknown } };
    const prompt = frame.kind === "prompt" ? frame.prompt : undefined;
    if (!prompt) return;
    const value = prompt.kind === "confirm" ? true : prompt.kind === "text" ? "Ada" : prompt.kind === "multi-select" ? [] : prompt.default;
    ws.send(JSON.stringify({ v: 1, kind: "answer", promptId: prompt.promptId, value }));
  });
  const code = await core.exited;
  ws.close();
  if (code !== 0) throw new Error(`recording the session failed (${code}):\n${core.err()}`);
}
