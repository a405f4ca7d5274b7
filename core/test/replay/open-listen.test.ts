/** `escapement open <session> --no-spawn / --listen`: a saved session served to any renderer by the real CLI, with no terminal. */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isStreamFrame, replayFrames, type OutboundFrame, type TranscriptRow } from "@escapement/wire-schema";
import { afterEach, describe, expect, it } from "vitest";
import { openMode } from "../../src/cli/commands/open.js";
import { cli, repo, scratch } from "../examples/harness.js";
import { connect, isKind } from "../wire/harness.js";
import { until } from "../wire/until.js";

const work = scratch("open-listen");

const row = (seq: number, event: string, data: unknown = {}): TranscriptRow => ({ seq, ts: 1_000 + seq * 100, event, data });
const ROWS: TranscriptRow[] = [
  row(1, "runner/started", { sessionId: "s-1", runId: "r-1", chartId: "c", resumed: false }),
  row(2, "runner/start-config", { config: ["c", "c.ask"] }),
  row(3, "human-input/requested", { promptId: "p-1", invokeId: "ask-1", kind: "confirm", message: "Go?", schema: { type: "boolean" } }),
  row(4, "human-input/answered", { promptId: "p-1", value: true }),
  row(5, "runner/event-processed", { event: "GO", before: ["c", "c.ask"], after: ["c", "c.done"], entered: ["c.done"], exited: ["c.ask"] }),
  row(6, "runner/done", { finalConfig: ["c", "c.done"], status: "done" }),
];

const session = (name: string): string => {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "transcript.jsonl"), ROWS.map((r) => JSON.stringify(r)).join("\n") + "\n");
  return dir;
};

/** Every `open` a test started; one still running when its test ends (a failure) is killed. */
const started = new Set<ChildProcess>();
afterEach(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  started.clear();
});

const openCli = (args: string[]) => {
  const child = spawn(process.execPath, [cli, "open", ...args], { cwd: repo, stdio: ["ignore", "pipe", "pipe"] });
  started.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
};

const playback =
  (state: string, rowSeq: number) =>
  (frame: OutboundFrame): boolean =>
    frame.kind === "playback" && frame.state === state && frame.rowSeq === rowSeq;

describe("escapement open --no-spawn", () => {
  it("serves the replay to a renderer: hello of a replay, playback frames on attach, pause, step and continue, run-finished, exit 0", async () => {
    const dir = session("served");
    // One row per minute: nothing moves unless the renderer asks.
    const open = openCli([dir, "--no-spawn", "--listen", "127.0.0.1:0", "--timing", "paced", "--interval", "60000", "--linger", "0"]);
    const info = await until(() => {
      const line = open.out().split("\n")[0];
      return line && open.out().includes("\n") ? (JSON.parse(line) as { url: string; token: string; protocol: { version: string } }) : undefined;
    }, "the URL and token on stdout");
    expect(info.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    // stderr is a pipe of its own: its line may come after stdout's.
    await until(() => open.err().includes(`wire: ${info.url}`), "the wire line on stderr");
    // The session directory is left as it was: no wire.json of a replay.
    expect(readdirSync(dir)).toEqual(["transcript.jsonl"]);

    const client = await connect(info.url);
    client.attach(info.token);
    const hello = await client.waitFor(isKind("hello"));
    expect(hello).toMatchObject({ replay: true, heartbeatMs: 0, sessionId: "s-1", runId: "r-1", chartId: "c" });
    const capabilities = (hello as { capabilities: string[] }).capabilities;
    expect(capabilities).toEqual(expect.arrayContaining(["resume", "snapshot", "control", "playback", "blobs"]));
    expect(capabilities).not.toContain("answer");
    expect(capabilities).not.toContain("steer");
    // On attach: where the playback is.
    await client.waitFor(playback("playing", 1));

    client.send({ v: 1, kind: "control", action: "pause" });
    await client.waitFor(playback("paused", 1));
    client.send({ v: 1, kind: "control", action: "step", n: 2 });
    await client.waitFor(playback("paused", 3));
    expect(client.stream().filter(isKind("event")).length).toBe(3);
    await client.waitFor(isKind("prompt"));

    client.send({ v: 1, kind: "answer", id: "a-1", promptId: "p-1", value: true });
    await expect(client.waitFor(isKind("error", (frame) => frame.inReplyTo === "a-1"))).resolves.toMatchObject({ code: "not-supported", fatal: false });
    client.send({ v: 1, kind: "control", id: "c-1", action: "quit" });
    await expect(client.waitFor(isKind("error", (frame) => frame.inReplyTo === "c-1"))).resolves.toMatchObject({ code: "invalid-control" });

    client.send({ v: 1, kind: "control", action: "continue" });
    await client.waitFor(playback("playing", 3));
    client.send({ v: 1, kind: "seek", to: "end" });
    await client.waitFor(isKind("run-finished", (frame) => frame.status === "done"));
    await client.waitFor(playback("ended", 6));

    expect(client.invalid).toEqual([]);
    expect(client.stream()).toEqual([...replayFrames(ROWS)].filter(isStreamFrame));
    client.close();
    expect(await open.exited).toBe(0);
  });

  it("waits for a renderer before playing, and says so when none came within --wait-for-renderer (exit 1)", async () => {
    const open = openCli([session("unwatched"), "--no-spawn", "--wait-for-renderer", "0.3"]);
    expect(await open.exited).toBe(1);
    expect(open.err()).toContain("wire: waiting up to 0.3 s for a renderer to attach before the playback starts");
    expect(open.err()).toContain("no renderer attached within 0.3 s; nothing was played");
    expect(JSON.parse(open.out().split("\n")[0]!)).toMatchObject({ url: expect.stringMatching(/^ws:/), token: expect.any(String) });
  });

  it.each([
    [["--emit-wire", "--no-spawn"], /--emit-wire .* does not go with --listen or --no-spawn/],
    [["--linger", "1"], /needs a terminal|apply to a replay served without the terminal UI/],
    [["--listen", "nope"], /--listen takes \[host:\]port/],
  ])("%j is a usage error (exit 2)", async (flags, message) => {
    const open = openCli([session("bad"), ...flags]);
    expect(await open.exited).toBe(2);
    expect(open.err()).toMatch(message);
  });
});

describe("how open shows a session", () => {
  const flags = { emitWire: false, spawn: true };
  it("serves it with --no-spawn, or with --listen and no terminal; shows it in the terminal UI otherwise", () => {
    expect(openMode({ ...flags, spawn: false }, true)).toBe("wire");
    expect(openMode({ ...flags, listen: { host: "127.0.0.1", port: 0 } }, false)).toBe("wire");
    expect(openMode({ ...flags, listen: { host: "127.0.0.1", port: 0 } }, true)).toBe("tui");
    expect(openMode(flags, true)).toBe("tui");
    expect(openMode({ ...flags, emitWire: true }, false)).toBe("emit-wire");
    expect(() => openMode(flags, false)).toThrow(/needs a terminal.*--no-spawn/);
    expect(() => openMode({ ...flags, lingerMs: 0 }, true)).toThrow(/add --no-spawn/);
  });
});
