import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CLOSE_CODES, PROTOCOL_MAJOR, replayFrames, type OutboundFrame, type PromptFrame, type TranscriptRow } from "@escapement/wire-schema";
import { connect, gaps, isKind, startLiveRun, type Client, type LiveRun } from "./harness.js";

const runs: LiveRun[] = [];
const clients: Client[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.ws.terminate();
  for (const run of runs.splice(0)) {
    run.gate.control("quit");
    await run.done;
    await run.server.close();
  }
});

const live = async (options: Parameters<typeof startLiveRun>[0] = {}) => {
  const run = await startLiveRun(options);
  runs.push(run);
  return run;
};

const client = async (run: LiveRun) => {
  const c = await connect(run.server.url);
  clients.push(c);
  return c;
};

const rowsOf = (sessionDir: string): TranscriptRow[] =>
  readFileSync(join(sessionDir, "transcript.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as TranscriptRow);

/** Answers every prompt as it comes: the name "Ada", then confirm. */
const answerPrompts = (c: Client) => {
  let answered = 0;
  c.ws.on("message", (data) => {
    const frame = JSON.parse(data.toString()) as OutboundFrame;
    if (frame.kind !== "prompt") return;
    answered++;
    const value = frame.prompt.kind === "confirm" ? true : "Ada";
    c.send({ v: 1, kind: "answer", id: `ans-${answered}`, promptId: frame.prompt.promptId, value });
  });
};

describe("wire server: a live run", () => {
  it("attach -> hello, then every stream frame gap-free, identical to a replay of the transcript; 1000 after the run", async () => {
    const run = await live();
    const c = await client(run);
    c.attach(run.token, 0, { id: "a-1", client: { name: "test", version: "1" } });
    answerPrompts(c);
    const hello = await c.waitFor(isKind("hello"));
    expect(hello).toMatchObject({
      v: PROTOCOL_MAJOR,
      seq: 0,
      replay: false,
      heartbeatMs: 1000,
      maxInboundBytes: 1024 * 1024,
      runId: "t-run-1",
      chartId: "wire-fixture",
      capabilities: ["resume", "snapshot", "answer", "control", "coalesce-deltas"],
    });
    await c.waitFor(isKind("run-finished"));
    const result = await run.done;
    expect(result.status).toBe("done");
    expect(c.frames[0]!.kind).toBe("hello");
    expect(gaps(c.frames)).toEqual([]);
    // Live and replay frames are the same frames.
    const replayed = [...replayFrames(rowsOf(run.sessionDir))].filter((frame) => frame.kind !== "hello");
    expect(c.stream()).toEqual(replayed);
    expect(c.invalid).toEqual([]);
    const closing = c.closed;
    await run.server.close();
    expect((await closing).code).toBe(CLOSE_CODES.normal);
  });

  it("a wrong token gets an unauthorized error frame, then close 4001", async () => {
    const run = await live();
    const c = await client(run);
    c.attach("not-the-token", 0, { id: "a-1" });
    const closed = await c.closed;
    expect(c.frames).toEqual([
      { v: 1, kind: "error", seq: 0, code: "unauthorized", path: "/token", message: expect.stringMatching(/^\/token: /), fatal: true, inReplyTo: "a-1" },
    ]);
    expect(closed.code).toBe(CLOSE_CODES.unauthorized);
  });

  it.each([0, 2])("protocol major %i gets unsupported-version, then close 4002", async (major) => {
    const run = await live();
    const c = await client(run);
    c.send({ v: major, kind: "attach", token: run.token, protocol: { name: "escapement-wire", version: `${major}.3.0` } });
    const closed = await c.closed;
    expect(c.frames).toEqual([expect.objectContaining({ kind: "error", code: "unsupported-version", path: "/v", fatal: true })]);
    expect(closed.code).toBe(CLOSE_CODES.unsupportedVersion);
  });

  it("an attach naming another major in protocol.version is invalid: 4004", async () => {
    const run = await live();
    const c = await client(run);
    c.send({ v: 1, kind: "attach", token: run.token, protocol: { name: "escapement-wire", version: "2.0.0" } });
    expect((await c.closed).code).toBe(CLOSE_CODES.protocolError);
    expect(c.frames).toEqual([expect.objectContaining({ kind: "error", code: "invalid-frame", path: "/protocol/version", fatal: true })]);
  });

  it("a frame before attach gets not-attached (4004); garbage before attach gets malformed-json (4004)", async () => {
    const run = await live();
    const a = await client(run);
    a.send({ v: 1, kind: "ping", id: "p-1" });
    expect((await a.closed).code).toBe(CLOSE_CODES.protocolError);
    expect(a.frames).toEqual([expect.objectContaining({ kind: "error", code: "not-attached", fatal: true, inReplyTo: "p-1" })]);
    const b = await client(run);
    b.sendRaw("{not json");
    expect((await b.closed).code).toBe(CLOSE_CODES.protocolError);
    expect(b.frames).toEqual([expect.objectContaining({ kind: "error", code: "malformed-json", path: "", fatal: true })]);
  });

  it("no attach in time: handshake-timeout, close 4003", async () => {
    const run = await live({ handshakeTimeoutMs: 80 });
    const c = await client(run);
    expect((await c.closed).code).toBe(CLOSE_CODES.handshakeTimeout);
    expect(c.frames).toEqual([expect.objectContaining({ kind: "error", code: "handshake-timeout", fatal: true })]);
  });

  it("heartbeats when idle; ping gets a heartbeat inReplyTo; silence for 3 intervals closes with 4008", async () => {
    const run = await live({ heartbeatMs: 60, startPaused: true });
    const c = await client(run);
    c.attach(run.token);
    await c.waitFor(isKind("hello"));
    c.send({ v: 1, kind: "ping", id: "ping-1" });
    await c.waitFor(isKind("heartbeat", (frame) => frame.inReplyTo === "ping-1"));
    // Paused at the first prompt's answer... nothing else happens: the core sends heartbeats on its own.
    await c.waitFor(isKind("heartbeat", (frame) => frame.inReplyTo === undefined));
    const heartbeat = c.frames.find(isKind("heartbeat"))!;
    expect(heartbeat.seq).toBe(
      Math.max(
        0,
        ...c
          .stream()
          .filter((frame) => c.frames.indexOf(frame) < c.frames.indexOf(heartbeat))
          .map((frame) => frame.seq),
      ),
    );
    const closed = await c.closed;
    expect(closed.code).toBe(CLOSE_CODES.heartbeatTimeout);
    expect(c.frames.at(-1)).toMatchObject({ kind: "error", code: "heartbeat-timeout", fatal: true });
  });
});

describe("wire server: bad input after attach never touches the run", () => {
  it("garbage, unknown kinds, invalid fields, too-large frames, a second attach: each an error frame, the connection and the run go on", async () => {
    const run = await live();
    const c = await client(run);
    c.attach(run.token);
    await c.waitFor(isKind("hello"));
    await c.waitFor(isKind("prompt"));
    c.sendRaw("}}garbage");
    c.send([1, 2]);
    c.send({ v: 1, kind: "launch-missiles", id: "x-1" });
    c.send({ v: 1, kind: "control", id: "c-1", action: "step", n: 0 });
    c.send({ v: 1, kind: "answer", id: "ans-0", promptId: "name", value: "x", cancelled: true });
    c.sendRaw(JSON.stringify({ v: 1, kind: "ping", pad: "x".repeat(1024 * 1024 + 10) }));
    c.attach(run.token, 0, { id: "a-2" });
    const errors = async (n: number) => {
      await c.waitFor(() => c.frames.filter(isKind("error")).length >= n);
      return c.frames.filter(isKind("error"));
    };
    expect(await errors(7)).toEqual([
      expect.objectContaining({ code: "malformed-json", path: "", fatal: false }),
      expect.objectContaining({ code: "invalid-frame", path: "", fatal: false }),
      expect.objectContaining({ code: "unknown-kind", path: "/kind", fatal: false, inReplyTo: "x-1" }),
      expect.objectContaining({ code: "invalid-frame", path: "/n", message: expect.stringMatching(/^\/n: /), fatal: false, inReplyTo: "c-1" }),
      expect.objectContaining({ code: "invalid-frame", fatal: false, inReplyTo: "ans-0" }),
      expect.objectContaining({ code: "too-large", path: "", fatal: false }),
      expect.objectContaining({ code: "already-attached", fatal: false, inReplyTo: "a-2" }),
    ]);
    // Nothing was applied: the prompt is still open and the run finishes normally once answered.
    expect(run.human.openPrompts).toEqual(["name"]);
    answerPrompts(c);
    c.send({ v: 1, kind: "answer", id: "late", promptId: "name", value: "Ada" });
    await c.waitFor(isKind("run-finished"));
    expect((await run.done).status).toBe("done");
    expect(gaps(c.frames)).toEqual([]);
    expect(c.ws.readyState).toBe(c.ws.OPEN);
    const answered = rowsOf(run.sessionDir).filter((row) => row.event === "human-input/answered");
    expect(answered.map((row) => row.data)).toEqual([
      { promptId: "name", value: "Ada" },
      { promptId: "approve", value: true },
    ]);
  });

  it("answers: invalid -> invalid-answer with a path (prompt stays open); unknown or closed prompt -> unknown-prompt; first valid answer wins", async () => {
    const run = await live();
    const a = await client(run);
    const b = await client(run);
    a.attach(run.token);
    b.attach(run.token);
    await a.waitFor(isKind("prompt"));
    await b.waitFor(isKind("prompt"));
    a.send({ v: 1, kind: "answer", id: "bad", promptId: "name", value: 42 });
    const invalid = await a.waitFor(isKind("error", (frame) => frame.inReplyTo === "bad"));
    expect(invalid).toMatchObject({ code: "invalid-answer", path: "/value", fatal: false, message: expect.stringMatching(/^\/value: .*stays open/) });
    a.send({ v: 1, kind: "answer", id: "nope", promptId: "no-such-prompt", value: "x" });
    expect(await a.waitFor(isKind("error", (frame) => frame.inReplyTo === "nope"))).toMatchObject({ code: "unknown-prompt", path: "/promptId", fatal: false });
    a.send({ v: 1, kind: "answer", id: "first", promptId: "name", value: "Ada" });
    await a.waitFor(isKind("prompt-closed", (frame) => frame.promptId === "name"));
    b.send({ v: 1, kind: "answer", id: "second", promptId: "name", value: "Bob" });
    expect(await b.waitFor(isKind("error", (frame) => frame.inReplyTo === "second"))).toMatchObject({ code: "unknown-prompt" });
    // Both renderers saw the prompt close with the first answer.
    expect(b.frames.find(isKind("prompt-closed"))).toMatchObject({ promptId: "name", outcome: "answered", value: "Ada" });
    const approve = await b.waitFor<PromptFrame>(isKind("prompt", (frame) => frame.prompt.promptId === "approve"));
    b.send({ v: 1, kind: "answer", id: "multi", promptId: approve.prompt.promptId, value: "yes" });
    expect(await b.waitFor(isKind("error", (frame) => frame.inReplyTo === "multi"))).toMatchObject({ code: "invalid-answer", path: "/value" });
    b.send({ v: 1, kind: "answer", promptId: "approve", value: true });
    await b.waitFor(isKind("run-finished"));
    expect((await run.done).status).toBe("done");
    // After the run: unknown-prompt, the run's transcript untouched.
    const rows = rowsOf(run.sessionDir).length;
    b.send({ v: 1, kind: "answer", id: "after", promptId: "approve", value: true });
    expect(await b.waitFor(isKind("error", (frame) => frame.inReplyTo === "after"))).toMatchObject({ code: "unknown-prompt" });
    expect(rowsOf(run.sessionDir)).toHaveLength(rows);
  });

  it("a cancelled answer closes the prompt as cancelled", async () => {
    const run = await live();
    const c = await client(run);
    c.attach(run.token);
    await c.waitFor(isKind("prompt"));
    c.send({ v: 1, kind: "answer", promptId: "name", cancelled: true });
    expect(await c.waitFor(isKind("prompt-closed"))).toMatchObject({ promptId: "name", outcome: "cancelled" });
    await c.waitFor(isKind("run-finished", (frame) => frame.finalConfig.includes("cancelled")));
  });
});

describe("wire server: the debugger over the wire", () => {
  it("control while not paused -> invalid-control error; pause, step, continue -> debug frames; quit -> aborted", async () => {
    const run = await live();
    const c = await client(run);
    c.attach(run.token);
    answerPrompts(c);
    await c.waitFor(isKind("hello"));
    c.send({ v: 1, kind: "control", id: "s-0", action: "step" });
    expect(await c.waitFor(isKind("error", (frame) => frame.inReplyTo === "s-0"))).toMatchObject({ code: "invalid-control", path: "/action", fatal: false });
    c.send({ v: 1, kind: "control", id: "i-0", action: "continue" });
    expect(await c.waitFor(isKind("error", (frame) => frame.inReplyTo === "i-0"))).toMatchObject({ code: "invalid-control" });
    c.send({ v: 1, kind: "control", action: "pause" });
    expect(await c.waitFor(isKind("debug"))).toMatchObject({ paused: true, mode: "run", reason: "pause requested" });
    c.send({ v: 1, kind: "control", action: "step", n: 2 });
    await c.waitFor(isKind("debug", (frame) => frame.mode === "step" && frame.stepBudget === 2));
    const stepped = c.frames.length;
    await c.waitFor(
      isKind("debug", (frame) => frame.paused && frame.reason === "step done"),
      10_000,
      stepped,
    );
    c.send({ v: 1, kind: "control", action: "continue" });
    await c.waitFor(
      isKind("debug", (frame) => !frame.paused && frame.mode === "run"),
      10_000,
      stepped,
    );
    await c.waitFor(isKind("run-finished"));
    expect((await run.done).status).toBe("done");
    expect(gaps(c.frames)).toEqual([]);
  });

  it("quit from a renderer ends the run with status aborted", async () => {
    const run = await live({ startPaused: true });
    const c = await client(run);
    c.attach(run.token);
    answerPrompts(c);
    await c.waitFor(isKind("debug", (frame) => frame.paused));
    c.send({ v: 1, kind: "control", action: "quit" });
    expect(await c.waitFor(isKind("run-finished"))).toMatchObject({ status: "aborted" });
    expect((await run.done).status).toBe("aborted");
  });
});
