import { afterEach, describe, expect, it } from "vitest";
import { CLOSE_CODES, isStreamFrame, type OutboundFrame, type SnapshotFrame, type StreamFrame } from "@escapement/wire-schema";
import type { TranscriptRow } from "../../src/runtime/index.js";
import { WireHub, WireServer } from "../../src/wire/index.js";
import { connect, gaps, isKind, startLiveRun, wireScript, type Client, type LiveRun } from "./harness.js";

const runs: LiveRun[] = [];
const servers: WireServer[] = [];
const clients: Client[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.ws.terminate();
  for (const run of runs.splice(0)) {
    run.gate.control("quit");
    await run.done;
    await run.server.close();
  }
  for (const server of servers.splice(0)) await server.close(CLOSE_CODES.goingAway, "test over", 0);
});

const live = async (options: Parameters<typeof startLiveRun>[0] = {}) => {
  const run = await startLiveRun(options);
  runs.push(run);
  return run;
};

const client = async (url: string) => {
  const c = await connect(url);
  clients.push(c);
  return c;
};

/** Answers every prompt it learns of (from a prompt frame or a snapshot): "Ada", then confirm. */
const answerer = (c: Client) =>
  c.ws.on("message", (data) => {
    const frame = JSON.parse(data.toString()) as OutboundFrame;
    const prompts = frame.kind === "prompt" ? [frame.prompt] : frame.kind === "snapshot" ? frame.prompts : [];
    for (const prompt of prompts) c.send({ v: 1, kind: "answer", promptId: prompt.promptId, value: prompt.kind === "confirm" ? true : "Ada" });
  });

const fromSeq = (frames: readonly OutboundFrame[], after: number): StreamFrame[] => frames.filter(isStreamFrame).filter((frame) => frame.seq > after);

describe("resume with since", () => {
  it.each([
    ["the in-memory window", 4096],
    ["the transcript on disk", 4],
  ])("after the run, since=N gives exactly N+1.. from %s: no gap, no duplicate", async (_source, windowFrames) => {
    const run = await live();
    // The disk case resumes against a second hub with a tiny window, fed the same transcript.
    const a = await client(run.server.url);
    a.attach(run.token);
    answerer(a);
    await a.waitFor(isKind("run-finished"));
    await run.done;
    const all = a.stream();
    const last = all.at(-1)!.seq;
    let url = run.server.url;
    if (windowFrames < 100) {
      const hub = new WireHub({ transcriptPath: run.hub.transcriptPath!, windowFrames });
      const { readAllRows } = await import("../../src/runtime/index.js");
      hub.ingest(await readAllRows(run.hub.transcriptPath!));
      expect(hub.framesSince(2)).toBeUndefined(); // not in memory: re-read from disk
      const server = await WireServer.start({ hub, token: run.token });
      servers.push(server);
      url = server.url;
    }
    for (const since of [0, 1, 2, 7, last - 1, last]) {
      const b = await client(url);
      b.attach(run.token, since);
      const hello = await b.waitFor(isKind("hello"));
      expect(hello.seq).toBe(since);
      if (since < last) await b.waitFor(isKind("run-finished"));
      else await b.waitFor(isKind("hello"));
      expect(gaps(b.frames, since)).toEqual([]);
      expect(b.stream()).toEqual(fromSeq(all, since));
      b.ws.terminate();
    }
  });

  it("mid-run, from disk while live frames keep coming: the backlog then the live frames, no gap, no duplicate", async () => {
    const run = await live({ script: wireScript(60) });
    // A tiny window forces the disk path even mid-run.
    const hub = new WireHub({ transcriptPath: run.hub.transcriptPath!, windowFrames: 2 });
    const server = await WireServer.start({ hub, token: run.token });
    servers.push(server);
    const { readAllRows } = await import("../../src/runtime/index.js");
    const a = await client(run.server.url);
    a.attach(run.token);
    answerer(a);
    await a.waitFor(isKind("event", (frame) => frame.row.event === "llm/delta"));
    // Feed the second hub what is on disk, then live rows as they come.
    hub.ingest(await readAllRows(run.hub.transcriptPath!));
    const unsubscribe = (() => {
      let fed = hub.state.rowSeq;
      const timer = setInterval(async () => {
        const rows = (await readAllRows(run.hub.transcriptPath!)).filter((row: TranscriptRow) => row.seq > fed);
        fed = rows.at(-1)?.seq ?? fed;
        hub.ingest(rows);
      }, 15);
      return () => clearInterval(timer);
    })();
    const b = await client(server.url);
    b.attach(run.token, 3);
    await a.waitFor(isKind("run-finished"));
    await b.waitFor(isKind("run-finished"));
    unsubscribe();
    expect(gaps(b.frames, 3)).toEqual([]);
    expect(b.stream()).toEqual(fromSeq(a.frames, 3));
  });

  it("mid-run from the window: a renderer drops and comes back with since = its last seq", async () => {
    const run = await live({ script: wireScript(40) });
    const a = await client(run.server.url);
    a.attach(run.token);
    answerer(a);
    const firstDelta = await a.waitFor(isKind("event", (frame) => frame.row.event === "llm/delta"));
    const b = await client(run.server.url);
    b.attach(run.token);
    await b.waitFor((frame) => frame.kind === "event" && frame.seq === firstDelta.seq);
    const lastSeq = b.stream().at(-1)!.seq;
    b.ws.terminate();
    const c = await client(run.server.url);
    c.attach(run.token, lastSeq);
    await c.waitFor(isKind("run-finished"));
    await a.waitFor(isKind("run-finished"));
    expect(gaps(c.frames, lastSeq)).toEqual([]);
    expect(c.stream()).toEqual(fromSeq(a.frames, lastSeq));
  });
});

describe("a hub on a resumed session", () => {
  it("numbers frames from the rows an earlier process wrote (read from disk), exactly as a replay of the whole transcript", async () => {
    const run = await live();
    const a = await client(run.server.url);
    a.attach(run.token);
    answerer(a);
    await a.waitFor(isKind("run-finished"));
    await run.done;
    const { readAllRows } = await import("../../src/runtime/index.js");
    const rows = await readAllRows(run.hub.transcriptPath!);
    const { replayFrames } = await import("@escapement/wire-schema");
    const replayed = [...replayFrames(rows)].filter(isStreamFrame);
    for (const resumeAt of [2, Math.floor(rows.length / 2), rows.length]) {
      const hub = new WireHub({ transcriptPath: run.hub.transcriptPath! });
      // This process only sees rows from resumeAt on; the earlier ones are on disk.
      hub.ingest(rows.slice(resumeAt - 1));
      expect(hub.framesSince(0)).toEqual(replayed);
      expect(hub.run).toMatchObject({ runId: "t-run-1" });
    }
  });
});

describe("snapshot", () => {
  it("a late joiner past the resend limit gets a snapshot: phase, open prompts, debug state; then the live stream", async () => {
    const run = await live({ resendLimit: 0 });
    const a = await client(run.server.url);
    a.attach(run.token);
    // With a resend limit of 0 every joiner gets a snapshot, this one too.
    await a.waitFor((frame) => frame.kind === "prompt" || (frame.kind === "snapshot" && frame.prompts.length > 0));
    a.send({ v: 1, kind: "control", action: "pause" });
    const paused = await a.waitFor(isKind("debug", (frame) => frame.paused));
    const late = await client(run.server.url);
    late.attach(run.token, 0);
    const snapshot = await late.waitFor<SnapshotFrame>(isKind("snapshot"));
    expect(late.frames.map((frame) => frame.kind)).toEqual(["hello", "snapshot"]);
    expect(snapshot).toMatchObject({
      seq: paused.seq,
      phase: { config: ["name"], breadcrumb: ["name"] },
      prompts: [expect.objectContaining({ promptId: "name", kind: "text", message: "Who?" })],
      debug: { paused: true, mode: "run", stepBudget: 0, reason: "pause requested" },
      conversations: [],
    });
    expect(snapshot.finished).toBeUndefined();
    // The late joiner answers the prompt it learned from the snapshot; the stream continues after it.
    late.send({ v: 1, kind: "answer", promptId: "name", value: "Ada" });
    late.send({ v: 1, kind: "control", action: "continue" });
    answerer(late);
    await late.waitFor(isKind("run-finished"));
    expect(gaps(late.frames)).toEqual([]);
    await a.waitFor(isKind("run-finished"));
    expect(late.stream()).toEqual(fromSeq(a.frames, snapshot.seq));
  });

  it("a late joiner mid-turn sees the live conversation with what it streamed so far", async () => {
    const run = await live({ resendLimit: 0, script: wireScript(150) });
    const a = await client(run.server.url);
    a.attach(run.token);
    answerer(a);
    await a.waitFor(isKind("event", (frame) => frame.row.event === "llm/delta"));
    const late = await client(run.server.url);
    late.attach(run.token, 0);
    const snapshot = await late.waitFor<SnapshotFrame>(isKind("snapshot"));
    expect(snapshot.conversations).toEqual([
      { invokeId: "writer", stateId: "writing", model: "default", turn: 1, streamed: { text: expect.stringMatching(/^Thinking/), thinking: "" } },
    ]);
    expect(snapshot.phase?.breadcrumb).toEqual(["writing"]);
  });

  it("since ahead of a live run: hello and the snapshot say where the run is, and the stream goes on from there with no gap", async () => {
    const run = await live();
    const a = await client(run.server.url);
    a.attach(run.token);
    await a.waitFor(isKind("prompt"));
    const b = await client(run.server.url);
    b.attach(run.token, 1_000_000);
    const snapshot = await b.waitFor<SnapshotFrame>(isKind("snapshot"));
    expect(b.frames[0]).toMatchObject({ kind: "hello", seq: snapshot.seq });
    answerer(a);
    a.send({ v: 1, kind: "answer", promptId: "name", value: "Ada" });
    await b.waitFor(isKind("run-finished"));
    expect(b.stream()[0]!.seq).toBe(snapshot.seq + 1);
    expect(gaps(b.frames, snapshot.seq)).toEqual([]);
  });

  it("since ahead of the run gets a snapshot, hello.seq the run's last seq, and the stream goes on from there; after the run the snapshot says finished", async () => {
    const run = await live();
    const a = await client(run.server.url);
    a.attach(run.token);
    answerer(a);
    await a.waitFor(isKind("run-finished"));
    await run.done;
    const b = await client(run.server.url);
    b.attach(run.token, 10_000);
    const snapshot = await b.waitFor<SnapshotFrame>(isKind("snapshot"));
    const last = a.stream().at(-1)!.seq;
    expect(b.frames[0]).toMatchObject({ kind: "hello", seq: last });
    expect(snapshot.seq).toBe(last);
    // Every connection frame after it says the same watermark, not the renderer's since.
    b.send({ v: 1, kind: "ping", id: "p-1" });
    await expect(b.waitFor(isKind("heartbeat", (frame) => frame.inReplyTo === "p-1"))).resolves.toMatchObject({ seq: last });
    expect(snapshot.finished).toMatchObject({ status: "done", finalConfig: ["done"] });
    expect(snapshot.prompts).toEqual([]);
  });
});

/** Synthetic rows straight into a hub: the transport alone, no runner. */
const row = (seq: number, event: string, data: unknown): TranscriptRow => ({ seq, ts: 1_760_000_000_000 + seq, event, data });

const syntheticRun = (deltas: number, textBytes: number): TranscriptRow[] => {
  const rows: TranscriptRow[] = [row(1, "runner/started", { sessionId: "s", runId: "r", chartId: "c", resumed: false })];
  rows.push(row(2, "llm/conversation-started", { invokeId: "w", stateId: "work", model: "default" }));
  let seq = 3;
  let turn = 1;
  rows.push(row(seq++, "llm/request", { invokeId: "w", stateId: "work", turn, model: "default", messageCount: 1, tools: [], ref: "io/x", snippet: "" }));
  for (let i = 0; i < deltas; i++) {
    rows.push(row(seq++, "llm/delta", { invokeId: "w", turn, kind: i % 7 === 3 ? "thinking" : "text", text: `${i}:${"x".repeat(textBytes)}|` }));
    if (i % 500 === 499) {
      rows.push(row(seq++, "artifact/captured", { name: `a${i}`, ref: `artifacts/a${i}`, bytes: 1, snippet: "x" }));
      turn += 1;
      rows.push(row(seq++, "llm/request", { invokeId: "w", stateId: "work", turn, model: "default", messageCount: 1, tools: [], ref: "io/x", snippet: "" }));
    }
  }
  rows.push(row(seq++, "runner/done", { finalConfig: ["done"], status: "done" }));
  return rows;
};

describe("backpressure", () => {
  it("a slow renderer gets consecutive llm/delta frames coalesced, and every other frame exactly once, in order", async () => {
    const hub = new WireHub({ windowFrames: 100_000 });
    const server = await WireServer.start({ hub, token: "t", highWaterBytes: 64 * 1024, resendLimit: 100_000 });
    servers.push(server);
    hub.ingest(syntheticRun(0, 0).slice(0, 1));
    const c = await client(server.url);
    c.attach("t", 1);
    await c.waitFor(isKind("hello"));
    const socket = (c.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();
    const rows = syntheticRun(20_000, 1000);
    hub.ingest(rows.slice(1));
    const deadline = Date.now() + 10_000;
    while (server.connections[0]!.coalesced === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(server.connections[0]!.coalesced).toBeGreaterThan(0);
    socket.resume();
    await c.waitFor(isKind("run-finished"), 30_000);
    expect(gaps(c.frames, 1)).toEqual([]);
    const events = c.stream().filter(isKind("event")) as Extract<StreamFrame, { kind: "event" }>[];
    const coalesced = events.filter((frame) => frame.coalescedFrom !== undefined);
    expect(coalesced.length).toBeGreaterThan(0);
    for (const frame of coalesced) expect(frame.row.event).toBe("llm/delta");
    // Every row that is not a delta arrived exactly once, in order.
    const notDeltas = (list: TranscriptRow[]) => list.filter((r) => r.event !== "llm/delta").map((r) => r.seq);
    expect(notDeltas(events.map((frame) => frame.row))).toEqual(notDeltas(rows.slice(1)));
    // Each coalesced frame is the last row of its range, its text the concatenation, nothing lost.
    const text = (list: TranscriptRow[], kind: string) =>
      list
        .filter((r) => r.event === "llm/delta" && (r.data as { kind: string }).kind === kind)
        .map((r) => (r.data as { text: string }).text)
        .join("");
    for (const kind of ["text", "thinking"])
      expect(
        text(
          events.map((frame) => frame.row),
          kind,
        ),
      ).toEqual(text(rows, kind));
    // The phase/derived frames are untouched: same stream as an unhurried renderer.
    const calm = await client(server.url);
    calm.attach("t", 0);
    await calm.waitFor(isKind("run-finished"), 30_000);
    expect(c.stream().filter((frame) => frame.kind !== "event")).toEqual(calm.stream().filter((frame) => frame.kind !== "event" && frame.seq > 1));
  });

  it("a renderer that stays too far behind gets a too-slow error frame and close 4009; it resumes with since and loses nothing", async () => {
    const hub = new WireHub({ windowFrames: 100_000 });
    const server = await WireServer.start({ hub, token: "t", highWaterBytes: 1024, maxQueuedFrames: 50, slowTimeoutMs: 100 });
    servers.push(server);
    hub.ingest(syntheticRun(0, 0).slice(0, 1));
    const c = await client(server.url);
    c.attach("t", 1);
    await c.waitFor(isKind("hello"));
    const socket = (c.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();
    // No deltas here: nothing may be coalesced, so the queue only grows.
    const rows = syntheticRun(0, 0);
    let seq = rows.length;
    const extra: TranscriptRow[] = [];
    for (let i = 0; i < 20_000; i++) extra.push(row(seq++, "artifact/captured", { name: `a${i}`, ref: `artifacts/a${i}`, bytes: 1, snippet: "y".repeat(60) }));
    hub.ingest(rows.slice(1, -1));
    hub.ingest(extra);
    const deadline = Date.now() + 10_000;
    while (server.connectionCount > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    socket.resume();
    const closed = await c.closed;
    expect(closed.code).toBe(CLOSE_CODES.tooSlow);
    expect(c.frames.at(-1)).toMatchObject({ kind: "error", code: "too-slow", fatal: true });
    expect(gaps(c.frames, 1)).toEqual([]);
    const got = c.stream().at(-1)?.seq ?? 1;
    const again = await client(server.url);
    again.attach("t", got);
    await again.waitFor((frame) => frame.kind === "event" && frame.row.seq === seq - 1, 30_000);
    expect(gaps(again.frames, got)).toEqual([]);
  });
});
