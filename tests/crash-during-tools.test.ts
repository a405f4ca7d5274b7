/**
 * kill -9 at every step of a turn with real tools, then `--resume`: the resumed run reaches the
 * same final state, no model call is made twice, no finished tool runs again, a tool the crash
 * interrupted is reported to the model (or, if idempotent, run again), and nothing the dead run
 * started is left running.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeProviderServer, type FakeProviderServer } from "./support/fake-provider-server.js";

const repo = resolve(import.meta.dirname, "..");
const cli = join(repo, "core/bin/escapement.mjs");
const fixture = join(repo, "core/test/examples/fixtures/tool-crash");
const work = mkdtempSync(join(tmpdir(), "escapement-tool-crash-"));
afterAll(() => (process.env["KEEP"] ? undefined : rmSync(work, { recursive: true, force: true })));

interface Row {
  seq: number;
  event: string;
  data: Record<string, unknown>;
}

const rowsOf = (sessionDir: string): Row[] => {
  const path = join(sessionDir, "transcript.jsonl");
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Row];
      } catch {
        return []; // a torn last line
      }
    });
};

/** Where to kill the run: the first moment its transcript shows this. */
const killPoints: Record<string, (rows: Row[]) => boolean> = {
  "after the model's response, before any tool": (rows) => rows.some((r) => r.event === "llm/response"),
  "as fs_write is about to run": (rows) => rows.some((r) => r.event === "tool/started" && r.data.name === "fs_write"),
  "after fs_write finished": (rows) => rows.some((r) => r.event === "tool/finished" && r.data.name === "fs_write"),
  "while the shell command runs": (rows) => rows.some((r) => r.event === "tool/process"),
  "after the shell command finished": (rows) => rows.some((r) => r.event === "tool/finished" && r.data.name === "shell_run"),
  "after the last tool, before the next model call": (rows) => rows.some((r) => r.event === "tool/finished" && r.data.name === "fs_read"),
  "while the second model call is in flight": (rows) => rows.filter((r) => r.event === "llm/request").length >= 2,
};

function start(args: string[], cwd: string, env?: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [cli, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"], ...(env ? { env } : {}) });
}

/** Runs until `point` holds in the session's transcript, then SIGKILLs the process. */
async function killAt(args: string[], cwd: string, sessionDir: string, point: (rows: Row[]) => boolean, env?: NodeJS.ProcessEnv): Promise<void> {
  const child = start(args, cwd, env);
  let stderr = "";
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (point(rowsOf(sessionDir))) {
      child.kill("SIGKILL");
      await exited;
      return;
    }
    if (child.exitCode !== null) throw new Error(`the run ended before the kill point\n${stderr}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the kill point never came\n${stderr}`);
    }
    await new Promise((done) => setTimeout(done, 5));
  }
}

async function runToEnd(args: string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = start(args, cwd, env);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk) => (stdout += chunk));
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  const code = await new Promise<number | null>((done) => child.on("exit", (c) => done(c)));
  return { code, stdout, stderr };
}

/** Processes whose working directory is inside `dir`: what a run's shell commands left running. */
const processesIn = (dir: string): number[] =>
  readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/cwd`).startsWith(dir);
      } catch {
        return false;
      }
    })
    .map(Number);

const cases = Object.entries(killPoints).flatMap(([point, predicate]) => [
  { point, predicate, sandbox: "off" },
  ...(point === "while the shell command runs" ? [{ point, predicate, sandbox: "auto" }] : []),
]);

describe.runIf(process.platform === "linux")("kill -9 during a turn with tools, then --resume", () => {
  it.each(cases)("$point (sandbox $sandbox)", async ({ point, predicate, sandbox }) => {
    const dir = join(work, `${Object.keys(killPoints).indexOf(point)}-${sandbox}`);
    const project = join(dir, "project");
    const workDir = join(dir, "work");
    const sessionDir = join(dir, "session");
    mkdirSync(project, { recursive: true });
    mkdirSync(workDir);
    // Shell commands allowed without the sandbox too: this test is about what runs, not who may.
    writeFileSync(join(project, ".escapement.json"), JSON.stringify({ permissions: { shell_run: "allow" } }));
    const args = ["run", fixture, "--no-tui", "--script", join(fixture, "script.json"), "--work-dir", workDir, "--sandbox", sandbox];

    await killAt([...args, "--session-dir", sessionDir], project, sessionDir, predicate);
    const resumed = await runToEnd([...args, "--resume", sessionDir], project);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout.trim().split("\n").at(-1)!)).toMatchObject({ status: "done", finalConfig: ["done"] });
    expect(resumed.stderr).not.toMatch(/script-mismatch|wedged/);

    // Nothing the dead run started survives the resume.
    expect(processesIn(workDir), `processes left in ${workDir}`).toEqual([]);

    const rows = rowsOf(sessionDir);
    expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
    // Two model calls in all: none repeated, none paid twice.
    const cassette = readFileSync(join(sessionDir, "cassette.jsonl"), "utf8")
      .split("\n")
      .filter((line) => line.includes('"kind":"call"'));
    expect(cassette).toHaveLength(2);
    expect(rows.filter((r) => r.event === "llm/response")).toHaveLength(2);

    // Each tool call finished once; the slow shell command ran at most once.
    const finished = rows.filter((r) => r.event === "tool/finished").map((r) => r.data.name);
    expect(finished).toEqual(["fs_write", "shell_run", "fs_read"]);
    const runs = existsSync(join(workDir, "runs.txt")) ? readFileSync(join(workDir, "runs.txt"), "utf8").split("\n").filter(Boolean) : [];
    expect(runs.length).toBeLessThanOrEqual(1);
    expect(readFileSync(join(workDir, "note.txt"), "utf8")).toBe("written once\n");

    const interrupted = rows.filter((r) => r.event === "tool/interrupted");
    const shellResult = rows.find((r) => r.event === "llm/tool-result" && r.data.name === "shell_run")!;
    if (interrupted.some((r) => r.data.name === "shell_run")) {
      // Not idempotent: the model is told the outcome is unknown, and the command does not run again.
      expect(interrupted.find((r) => r.data.name === "shell_run")!.data.rerun).toBe(false);
      expect(String(shellResult.data.snippet)).toMatch(/^interrupted: the run stopped/);
    } else {
      expect(runs).toHaveLength(1);
      expect(shellResult.data.isError).toBe(false);
    }
  });
});

describe.runIf(process.platform === "linux")("kill -9 during a turn with tools on a live provider, then --resume", () => {
  let server: FakeProviderServer;
  beforeEach(async () => (server = await startFakeProviderServer()));
  afterEach(() => server.close());

  const points = ["after the model's response, before any tool", "while the shell command runs", "after the last tool, before the next model call"];
  it.each(points)("%s: the provider answers each request once", async (point) => {
    const dir = join(work, `live-${points.indexOf(point)}`);
    const project = join(dir, "project");
    const workDir = join(dir, "work");
    const sessionDir = join(dir, "session");
    mkdirSync(project, { recursive: true });
    mkdirSync(workDir);
    const credentials = [{ name: "local", kind: "anthropic", baseURL: `${server.url}/v1`, apiKeyEnv: "LOCAL_KEY" }];
    writeFileSync(
      join(project, ".escapement.json"),
      JSON.stringify({ aliases: { default: [{ provider: "local", model: "test-model" }] }, credentials, permissions: { shell_run: "allow" } }),
    );
    const script = JSON.parse(readFileSync(join(fixture, "script.json"), "utf8")) as { toolCalls: { name: string; input: unknown }[] }[];
    server.enqueue(
      {
        kind: "reply",
        blocks: script[0]!.toolCalls.map((call, i) => ({
          type: "tool_use" as const,
          id: `call_${i + 1}`,
          name: call.name,
          input: call.input as Record<string, unknown>,
        })),
      },
      { kind: "reply", blocks: [{ type: "tool_use", id: "call_4", name: "finished", input: {} }] },
    );
    const env = { ...process.env, LOCAL_KEY: "sk-crash-test-0001" };
    const args = ["run", fixture, "--no-tui", "--work-dir", workDir, "--sandbox", "off"];
    await killAt([...args, "--session-dir", sessionDir], project, sessionDir, killPoints[point]!, env);
    // The kill can land just after the next request went out (the run goes on while the test looks):
    // that request was never answered, so the resume must send it again, and nothing else twice.
    const inFlight = server.requests.length === 2;
    if (inFlight) server.enqueue({ kind: "reply", blocks: [{ type: "tool_use", id: "call_4", name: "finished", input: {} }] });
    const resumed = await runToEnd([...args, "--resume", sessionDir], project, env);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout.trim().split("\n").at(-1)!)).toMatchObject({ status: "done" });
    if (server.requests.length === 3) {
      expect(inFlight).toBe(true);
      expect(server.requests[2]!.body).toEqual(server.requests[1]!.body);
    } else expect(server.requests).toHaveLength(2);
    expect(processesIn(workDir)).toEqual([]);
    const finished = rowsOf(sessionDir)
      .filter((r) => r.event === "tool/finished")
      .map((r) => r.data.name);
    expect(finished).toEqual(["fs_write", "shell_run", "fs_read"]);
  });
});

describe.runIf(process.platform === "linux")("kill -9 during an MCP tool call, then --resume", () => {
  const mcpFixture = join(repo, "core/test/examples/fixtures/mcp-crash");
  const echoServer = join(repo, "core/test/tools/mcp/fixtures/echo-server.mjs");
  /** Echo servers still running: the dead run's must be gone once the resumed run has ended. */
  const echoServers = (): number[] =>
    readdirSync("/proc")
      .filter((name) => /^\d+$/.test(name))
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(echoServer);
        } catch {
          return false;
        }
      })
      .map(Number);

  const points: Record<string, (rows: Row[]) => boolean> = {
    "while the slow MCP tool runs": (rows) => rows.some((r) => r.event === "tool/started" && r.data.name === "echo__slow"),
    "after the slow MCP tool finished": (rows) => rows.some((r) => r.event === "tool/finished" && r.data.name === "echo__slow"),
  };
  it.each(Object.keys(points))("%s", async (point) => {
    const dir = join(work, `mcp-${Object.keys(points).indexOf(point)}`);
    const project = join(dir, "project");
    const sessionDir = join(dir, "session");
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, ".escapement.json"), JSON.stringify({ mcpServers: { echo: { command: process.execPath, args: [echoServer] } } }));
    const args = ["run", mcpFixture, "--no-tui", "--script", join(mcpFixture, "script.json"), "--work-dir", project];
    await killAt([...args, "--session-dir", sessionDir], project, sessionDir, points[point]!);
    const resumed = await runToEnd([...args, "--resume", sessionDir], project);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout.trim().split("\n").at(-1)!)).toMatchObject({ status: "done" });
    const rows = rowsOf(sessionDir);
    expect(rows.filter((r) => r.event === "tool/finished").map((r) => r.data.name)).toEqual(["echo__echo", "echo__slow"]);
    expect(rows.filter((r) => r.event === "llm/response")).toHaveLength(2);
    const slow = rows.find((r) => r.event === "llm/tool-result" && r.data.name === "echo__slow")!;
    if (rows.some((r) => r.event === "tool/interrupted")) expect(String(slow.data.snippet)).toMatch(/^interrupted: the run stopped/);
    else expect(slow.data.snippet).toBe("waited 1500 ms");
    // The dead run's server went with it; the resumed run stopped its own.
    await waitUntil(() => echoServers().length === 0, 5000);
  });
});

async function waitUntil(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((done) => setTimeout(done, 20));
  }
}

describe.runIf(process.platform === "linux")("kill -9 during a turn with tools on a cassette replay, then --resume", () => {
  // Kills that interrupt no tool: an interrupted tool changes what the model is told next, which a
  // strict replay cannot answer (it stops with a cassette miss, as it should).
  const points = ["after the shell command finished", "after the last tool, before the next model call", "while the second model call is in flight"];
  it.each(points)("%s: the replay stays in step", async (point) => {
    const dir = join(work, `cassette-${points.indexOf(point)}`);
    const project = join(dir, "project");
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, ".escapement.json"), JSON.stringify({ permissions: { shell_run: "allow" } }));
    // A whole run recorded first: its cassette answers the killed run and the resume.
    mkdirSync(join(dir, "recorded-work"));
    const recordArgs = ["run", fixture, "--no-tui", "--script", join(fixture, "script.json"), "--work-dir", join(dir, "recorded-work"), "--sandbox", "off"];
    const recorded = await runToEnd([...recordArgs, "--session-dir", join(dir, "recorded")], project);
    expect(recorded.code, recorded.stderr).toBe(0);

    const workDir = join(dir, "work");
    const sessionDir = join(dir, "session");
    mkdirSync(workDir);
    const args = ["run", fixture, "--no-tui", "--replay", join(dir, "recorded"), "--work-dir", workDir, "--sandbox", "off"];
    await killAt([...args, "--session-dir", sessionDir], project, sessionDir, killPoints[point]!);
    const resumed = await runToEnd([...args, "--resume", sessionDir], project);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout.trim().split("\n").at(-1)!)).toMatchObject({ status: "done" });
    expect(resumed.stderr).not.toMatch(/cassette-miss|diverged|wedged/);
    const rows = rowsOf(sessionDir);
    expect(rows.filter((r) => r.event === "llm/response")).toHaveLength(2);
    expect(rows.filter((r) => r.event === "tool/finished").map((r) => r.data.name)).toEqual(["fs_write", "shell_run", "fs_read"]);
    expect(processesIn(workDir)).toEqual([]);
  });
});

describe.runIf(process.platform === "linux")("kill -9 while parallel tool calls run, then --resume", () => {
  const parallelFixture = join(repo, "core/test/chart/fixtures/parallel-crash");

  it("keeps the finished call's result, runs the interrupted idempotent call again, and tells the model the other's outcome is unknown", async () => {
    const dir = join(work, "parallel");
    const project = join(dir, "project");
    const workDir = join(dir, "work");
    const sessionDir = join(dir, "session");
    mkdirSync(project, { recursive: true });
    mkdirSync(workDir);
    const args = ["run", parallelFixture, "--no-tui", "--script", join(parallelFixture, "script.json"), "--work-dir", workDir];
    // All three started together; the quick one finished, the two slow ones are still running.
    const midStep = (rows: Row[]): boolean =>
      rows.filter((r) => r.event === "tool/started").length === 3 && rows.some((r) => r.event === "tool/finished" && r.data.toolCallId === "call-quick");
    await killAt([...args, "--session-dir", sessionDir], project, sessionDir, midStep);
    const deadRows = rowsOf(sessionDir);
    expect(deadRows.filter((r) => r.event === "tool/finished").map((r) => r.data.toolCallId)).toEqual(["call-quick"]);

    const resumed = await runToEnd([...args, "--resume", sessionDir], project);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout.trim().split("\n").at(-1)!)).toMatchObject({ status: "done", finalConfig: ["done"] });

    const rows = rowsOf(sessionDir);
    expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
    expect(rows.filter((r) => r.event === "llm/response")).toHaveLength(2);
    // Each call finished once; the quick one never ran again, the idempotent slow one did, the mark did not.
    expect(
      rows
        .filter((r) => r.event === "tool/finished")
        .map((r) => r.data.toolCallId)
        .sort(),
    ).toEqual(["call-mark", "call-quick", "call-slow"]);
    const runs = readFileSync(join(workDir, "runs.txt"), "utf8").split("\n").filter(Boolean).sort();
    expect(runs).toEqual(["mark once", "probe quick", "probe slow", "probe slow"]);
    const interrupted = Object.fromEntries(rows.filter((r) => r.event === "tool/interrupted").map((r) => [r.data.toolCallId, r.data.rerun]));
    expect(interrupted).toEqual({ "call-slow": true, "call-mark": false });
    const markResult = rows.find((r) => r.event === "llm/tool-result" && r.data.toolCallId === "call-mark")!;
    expect(String(markResult.data.snippet)).toMatch(/^interrupted: the run stopped/);
  });
});
