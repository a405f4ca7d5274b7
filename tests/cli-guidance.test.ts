/**
 * What the CLI tells a user, through the real CLI: `--param`s a recording never saw, a live
 * session that `delete` (and a second `--resume`) refuses, `refine` against a provider that is
 * down, and where `info` says answers come from.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cli, repo, runCli } from "../core/test/examples/harness.js";
import { until } from "./sidecar/tmux.js";

const work = mkdtempSync(join(tmpdir(), "escapement-cli-guidance-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** No model keys or config from the machine. */
const env = { PATH: process.env["PATH"] ?? "", HOME: join(work, "home") };

const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);

describe("--param and the recording", () => {
  it("a --param the bundled cassette never saw: one notice naming the script that answers instead", async () => {
    const run = await runCli(["run", "examples/hello", "--no-tui", "--param", "name=Grace", "--session-dir", join(work, "grace")], { env });
    expect(run.code).toBe(0);
    const notices = run.stderr.split("\n").filter((line) => line.startsWith("notice:"));
    expect(notices).toEqual([
      "notice: examples/hello/cassette.jsonl was recorded without --param name; calls it does not hold get the recorded answers of examples/hello/script.json",
    ]);
  });

  it("a --param the cassette was recorded with: no notice", async () => {
    const run = await runCli(["run", "examples/hello", "--no-tui", "--param", "name=world", "--session-dir", join(work, "world")], { env });
    expect(run.code).toBe(0);
    expect(run.stderr).not.toContain("notice:");
  });

  it("--script with a --param: the script's recorded answers are used, and it says so", async () => {
    const run = await runCli(
      ["run", "examples/hello", "--no-tui", "--script", "examples/hello/script.json", "--param", "name=Grace", "--session-dir", join(work, "script")],
      { env },
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("notice: examples/hello/script.json was recorded without --param name; the recorded answers are used");
  });
});

describe("a live session", () => {
  it("delete refuses it while its run is live (exit 1, nothing deleted), --force deletes it; a second --resume is refused", async () => {
    const session = join(work, "live");
    // Held live: waiting for a renderer that never comes.
    const child = spawn(process.execPath, [cli, "run", "examples/hello", "--no-spawn", "--wait-for-renderer=0", "--session-dir", session], {
      cwd: repo,
      env,
      stdio: "ignore",
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      await until(() => existsSync(join(session, "run.lock")) && existsSync(join(session, "wire.json")), "the run to be live");
      expect(JSON.parse(readFileSync(join(session, "run.lock"), "utf8"))).toMatchObject({ pid: child.pid });

      const refused = await runCli(["delete", session, "--yes"], { env });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toBe(`escapement: session ${session} is live: process ${child.pid} is running it; stop that run first, or delete with --force\n`);
      expect(existsSync(join(session, "transcript.jsonl"))).toBe(true);

      const resumed = await runCli(["run", "--resume", session, "--no-tui"], { env });
      expect(resumed.code).toBe(2);
      expect(resumed.stderr).toMatch(new RegExp(`^escapement: session .* is being run by process ${child.pid} `));

      const forced = await runCli(["delete", session, "--yes", "--force"], { env });
      expect(forced.code).toBe(0);
      expect(existsSync(session)).toBe(false);
    } finally {
      child.kill("SIGTERM");
      await exited;
    }
  });

  it("a lock left by a killed run is stale: delete goes ahead", async () => {
    const session = join(work, "stale");
    const run = await runCli(["run", "examples/hello", "--no-tui", "--session-dir", session], { env });
    expect(run.code).toBe(0);
    expect(existsSync(join(session, "run.lock"))).toBe(false); // removed at exit
    // What SIGKILL leaves: the lock of a process that is gone.
    writeFileSync(join(session, "run.lock"), JSON.stringify({ pid: 2 ** 22 + 1, since: 0 }));
    const deleted = await runCli(["delete", session, "--yes"], { env });
    expect(deleted.code).toBe(0);
    expect(existsSync(session)).toBe(false);
  });
});

describe("refine against a provider that is down", () => {
  it("one line naming the failure, exit 1, no stack trace", async () => {
    const project = join(work, "refine");
    mkdirSync(project, { recursive: true });
    const recorded = await runCli(["run", join(repo, "examples/hello"), "--no-tui", "--session-dir", join(project, "s")], { cwd: project, env });
    expect(recorded.code).toBe(0);
    // A port nothing listens on.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const credentials = [{ name: "local", kind: "openai-compatible", baseURL: `http://127.0.0.1:${port}/v1`, apiKeyEnv: "LOCAL_KEY" }];
    writeFileSync(join(project, ".escapement.json"), JSON.stringify({ aliases: { default: [{ provider: "local", model: "m" }] }, credentials }));
    const refine = await runCli(["refine", "s", "--turn", "greeting/1/1"], { cwd: project, env: { ...env, LOCAL_KEY: "k" }, deadlineMs: 60_000 });
    expect(refine.code).toBe(1);
    noStack(refine.stderr);
    const lines = refine.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^escapement: refine: the model call failed \(transport\): model alias "default": .*local:m/);

    const unknown = await runCli(["refine", "s", "--turn", "greeting/1/1", "--model", "nope"], { cwd: project, env: { ...env, LOCAL_KEY: "k" } });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('escapement: refine: unknown model alias "nope"; known aliases: default\n');
  });
});

describe("info", () => {
  it("without aliases, names the bundled cassette first, as a run uses it", async () => {
    const project = join(work, "info");
    mkdirSync(project, { recursive: true });
    const run = await runCli(["info"], { cwd: project, env });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      "aliases: none (charts run on their bundled cassette.jsonl, then their script.json for calls the cassette lacks; no model calls)",
    );
  });
});
