/**
 * docs/tui.md's recipe for third-party renderers, as written: run with --listen, read wire.json,
 * attach the reference renderer with the URL and token. A second client answers the prompts;
 * both see the whole run.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, expect, it } from "vitest";
import { WebSocket } from "ws";
import { PROTOCOL_NAME, PROTOCOL_VERSION, type OutboundFrame } from "@escapement/wire-schema";
import { until } from "./tmux.js";

const repo = resolve(import.meta.dirname, "../..");
const work = mkdtempSync(join(tmpdir(), "escapement-recipe-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const node = (args: string[]) => {
  const child = spawn(process.execPath, args, { cwd: repo, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
};

it("run --no-tui --listen + wire.json + node scripts/reference-renderer.mjs ws://... --token ...", async () => {
  const session = join(work, "recipe");
  const core = node(["core/bin/escapement.mjs", "run", "tests/sidecar/fixture", "--no-tui", "--listen", "127.0.0.1:0", "--session-dir", session]);
  const wireJson = join(session, "wire.json");
  const info = await until(() => existsSync(wireJson) && (JSON.parse(readFileSync(wireJson, "utf8")) as { url: string; token: string }), "wire.json");

  const renderer = node(["scripts/reference-renderer.mjs", info.url, "--token", info.token, "--strict"]);

  // Another renderer answers.
  const ws = new WebSocket(info.url);
  await new Promise((done, fail) => ws.once("open", done).once("error", fail));
  ws.send(JSON.stringify({ v: 1, kind: "attach", token: info.token, protocol: { name: PROTOCOL_NAME, version: PROTOCOL_VERSION } }));
  ws.on("message", (raw) => {
    const frame = JSON.parse(raw.toString()) as OutboundFrame;
    const prompts = frame.kind === "prompt" ? [frame.prompt] : frame.kind === "snapshot" ? frame.prompts : [];
    for (const prompt of prompts) ws.send(JSON.stringify({ v: 1, kind: "answer", promptId: prompt.promptId, value: prompt.kind === "confirm" ? true : "Ada" }));
  });

  expect(await renderer.exited).toBe(0);
  expect(await core.exited).toBe(0);
  ws.close();
  expect(renderer.out()).toMatch(new RegExp(`hello escapement-wire ${PROTOCOL_VERSION.replaceAll(".", "\\.")} .*chart=steps live`));
  expect(renderer.out()).toMatch(/prompt name text "Who is this run for\?"/);
  expect(renderer.out()).toMatch(/event llm\/delta worker/);
  expect(renderer.out()).toMatch(/run-finished done/);
  expect(renderer.err()).toMatch(/^reference-renderer: \d+ frames, 0 invalid, 0 ignored\n$/);
  expect(JSON.parse(core.out().trim())).toMatchObject({ status: "done", finalConfig: ["accepted"] });
  expect(existsSync(wireJson)).toBe(false);
});
