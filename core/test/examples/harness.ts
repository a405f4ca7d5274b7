/**
 * Runs the real CLI as a child process, the way a user does, and reads what it left behind.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, expect } from "vitest";
import { readBlob } from "../../src/runtime/io-store.js";

export const repo = resolve(import.meta.dirname, "../../..");
export const cli = join(repo, "core/bin/escapement.mjs");
export const fixtures = join(repo, "core/test/examples/fixtures");

export interface Row {
  seq: number;
  ts: number;
  event: string;
  data: Record<string, any>;
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunResultLine {
  sessionId: string;
  status: string;
  finalConfig: string[];
  sessionDir: string;
  error?: { category: string; message: string };
}

/** A temp directory for this test file, removed when the file's tests end. */
export function scratch(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `escapement-${prefix}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * `node core/bin/escapement.mjs <args>`; cwd is the repo root unless given. stdin gets `input`
 * and is then closed. Killed (and the promise rejected) if it outlives `deadlineMs`.
 */
export function runCli(args: string[], options: { cwd?: string; input?: string; deadlineMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  const deadlineMs = options.deadlineMs ?? 15_000;
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [cli, ...args], {
      cwd: options.cwd ?? repo,
      stdio: ["pipe", "pipe", "pipe"],
      ...(options.env ? { env: options.env } : {}),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.stdin.on("error", () => {}); // the CLI may exit before reading all of stdin
    child.stdin.end(options.input ?? "");
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      fail(new Error(`escapement ${args.join(" ")} did not finish within ${deadlineMs} ms\nstderr:\n${stderr}`));
    }, deadlineMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      fail(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

/** A CLI process left running: its output so far, whether it still runs, and its exit. */
export interface LiveCli {
  child: ChildProcessWithoutNullStreams;
  exited: Promise<number | null>;
  out: () => string;
  err: () => string;
  running: () => boolean;
}

/** Starts `node core/bin/escapement.mjs <args>` in the repo root (or `cwd`) and leaves it running (stdin a pipe the caller may write or end). */
export function startCli(args: string[], options: { cwd?: string } = {}): LiveCli {
  const child = spawn(process.execPath, [cli, ...args], { cwd: options.cwd ?? repo, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  child.stdin.on("error", () => {}); // the CLI may exit before reading stdin
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  return { child, exited, out: () => stdout, err: () => stderr, running: () => exitCode === undefined };
}

/**
 * Starts the CLI and SIGKILLs it as soon as its stderr shows `marker` (a published signal, never a
 * sleep). Resolves once the process is gone; rejects if the marker never shows before the deadline.
 */
export function killAtMarker(args: string[], marker: string, options: { input?: string; deadlineMs?: number } = {}): Promise<void> {
  const deadlineMs = options.deadlineMs ?? 15_000;
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: repo, stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    let killed = false;
    child.stdin.on("error", () => {});
    // Keep stdin open: end of input would cancel the prompt we want to interrupt.
    if (options.input) child.stdin.write(options.input);
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      if (!killed && stderr.includes(marker)) {
        killed = true;
        child.kill("SIGKILL");
      }
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      fail(new Error(`"${marker}" never appeared within ${deadlineMs} ms\nstderr:\n${stderr}`));
    }, deadlineMs);
    child.on("close", () => {
      clearTimeout(timer);
      if (killed) done();
      else fail(new Error(`the run ended before "${marker}" appeared\nstderr:\n${stderr}`));
    });
  });
}

/** The one JSON line `escapement run` prints on stdout. */
export function resultOf(run: CliRun): RunResultLine {
  const lines = run.stdout.split("\n").filter((line) => line.trim().length > 0);
  expect(lines, `stdout should hold exactly one JSON line; stderr:\n${run.stderr}`).toHaveLength(1);
  return JSON.parse(lines[0]!) as RunResultLine;
}

export function rowsOf(sessionDir: string): Row[] {
  return readFileSync(join(sessionDir, "transcript.jsonl"), "utf8")
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Row);
}

/** Every row well-formed, seq 1..N without gaps, started first and done last. */
export function expectWellFormed(rows: Row[], status = "done"): void {
  expect(rows.map((row) => row.seq)).toEqual(rows.map((_, index) => index + 1));
  expect(rows[0]?.event).toBe("runner/started");
  expect(rows.at(-1)).toMatchObject({ event: "runner/done", data: { status } });
  expect(rows.filter((row) => row.event === "runner/done")).toHaveLength(1);
}

/** Chart events the runner processed, in order (xstate's own done/init events left out unless asked). */
export function chartEvents(rows: Row[], options: { includeXstate?: boolean } = {}): string[] {
  return rows
    .filter((row) => row.event === "runner/event-processed")
    .map((row) => row.data.event as string)
    .filter((event) => options.includeXstate || !event.startsWith("xstate."));
}

export const ofEvent = (rows: Row[], event: string): Row[] => rows.filter((row) => row.event === event);

/**
 * The bundled script was used up exactly: one model call per step, per state for `byState`
 * scripts, and no model call failed (the transcript's counterpart of `assertComplete()`).
 */
export function expectScriptConsumed(exampleDir: string, rows: Row[]): void {
  const script = JSON.parse(readFileSync(join(exampleDir, "script.json"), "utf8")) as unknown[] | { byState: Record<string, unknown[]> };
  const requests = ofEvent(rows, "llm/request");
  expect(ofEvent(rows, "llm/error")).toEqual([]);
  expect(ofEvent(rows, "llm/response")).toHaveLength(requests.length);
  if (Array.isArray(script)) {
    expect(requests).toHaveLength(script.length);
    return;
  }
  const perState: Record<string, number> = {};
  for (const row of requests) perState[row.data.stateId] = (perState[row.data.stateId] ?? 0) + 1;
  expect(perState).toEqual(Object.fromEntries(Object.entries(script.byState).map(([state, steps]) => [state, steps.length])));
}

/** The full request a conversation sent on one turn (from the session's io pack). */
export function requestOf(sessionDir: string, rows: Row[], invokeId: string, turn: number): any {
  const row = ofEvent(rows, "llm/request").find((r) => r.data.invokeId === invokeId && r.data.turn === turn);
  expect(row, `no llm/request for ${invokeId} turn ${turn}`).toBeDefined();
  return JSON.parse(readBlob(sessionDir, row!.data.ref as string)!);
}

/** Text of the last user message of a request, tool-result outputs included. */
export function lastUserText(request: { messages: { role: string; content: any[] }[] }): string {
  const last = [...request.messages].reverse().find((message) => message.role === "user");
  return (last?.content ?? []).map((block) => block.text ?? block.output ?? "").join("\n");
}
