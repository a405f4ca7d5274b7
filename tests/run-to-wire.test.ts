import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { encodeFrame, replayFrames, validateFrame, type TranscriptRow } from "@escapement/wire-schema";

const repo = resolve(import.meta.dirname, "..");
const work = mkdtempSync(join(tmpdir(), "escapement-cross-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(args: string[], cwd = repo): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const deadline = setTimeout(() => (child.kill("SIGKILL"), fail(new Error(`timed out: ${args.join(" ")}\n${stderr}`))), 30_000);
    child.on("exit", (code) => {
      clearTimeout(deadline);
      done({ code, stdout, stderr });
    });
  });
}

describe("core transcript -> wire frames -> a third-party renderer", () => {
  it("a real run's transcript replays into valid wire frames that the reference renderer prints", async () => {
    const session = join(work, "hello");
    const ran = await run([join(repo, "core/bin/escapement.mjs"), "run", "examples/hello", "--no-tui", "--session-dir", session]);
    expect(ran.code).toBe(0);
    const rows = readFileSync(join(session, "transcript.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as TranscriptRow);
    const frames = [...replayFrames(rows)];
    for (const frame of frames) expect(validateFrame(frame, { direction: "outbound" })).toMatchObject({ ok: true });
    const wireFile = join(work, "hello.wire.jsonl");
    writeFileSync(wireFile, frames.map((frame) => encodeFrame(frame)).join("\n") + "\n");
    const rendered = await run([join(repo, "scripts/reference-renderer.mjs"), wireFile, "--strict"]);
    expect(rendered.code).toBe(0);
    expect(rendered.stdout).toMatch(/event llm\/delta greeter/);
    expect(rendered.stdout).toMatch(/run-finished done/);
  });

  it("npm start runs an example chart to completion with no credentials", async () => {
    const started = await run([join(repo, "scripts/start.mjs"), "--no-tui", "--session-dir", join(work, "start")]);
    expect(started.code).toBe(0);
    expect(JSON.parse(started.stdout.trim().split("\n").at(-1)!)).toMatchObject({ status: "done", finalConfig: ["done"] });
  });
});
