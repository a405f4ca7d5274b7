/** A played-back session over a real WebSocket: the playback frames, a seek back (rewind), a refused seek. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isStreamFrame, replayFrames, type OutboundFrame, type PlaybackFrame, type TranscriptRow } from "@escapement/wire-schema";
import { afterEach, describe, expect, it } from "vitest";
import { playbackControl, playbackSeek } from "../../src/cli/commands/replay-server.js";
import { buildSeekIndex, Player } from "../../src/replay/index.js";
import { readTranscript } from "../../src/runtime/transcript-reader.js";
import { WireHub } from "../../src/wire/wire-hub.js";
import { WireServer } from "../../src/wire/wire-server.js";
import { connect, type Client } from "../wire/harness.js";

const row = (seq: number, event: string, data: unknown = {}): TranscriptRow => ({ seq, ts: 1_000 + seq * 100, event, data });
const ROWS: TranscriptRow[] = [
  row(1, "runner/started", { sessionId: "s", runId: "r", chartId: "c", resumed: false }),
  row(2, "runner/start-config", { config: ["c", "c.a"] }),
  row(3, "llm/request", { invokeId: "i", stateId: "c.a", turn: 1, model: "m", messageCount: 1, tools: [], ref: "io.jsonl#offset=0&length=1", snippet: "x" }),
  row(4, "runner/event-processed", { event: "GO", before: ["c", "c.a"], after: ["c", "c.b"], entered: ["c.b"], exited: ["c.a"] }),
  row(5, "runner/done", { finalConfig: ["c", "c.b"], status: "done" }),
];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const serve = async (): Promise<Client & { url: string }> => {
  const transcript = join(mkdtempSync(join(tmpdir(), "escapement-playback-")), "transcript.jsonl");
  writeFileSync(transcript, ROWS.map((r) => JSON.stringify(r)).join("\n") + "\n");
  const hub = new WireHub({ transcriptPath: transcript });
  const player = new Player({
    timing: { mode: "instant" },
    index: await buildSeekIndex(readTranscript(transcript)),
    rows: () => readTranscript(transcript),
    ingest: (r) => hub.ingest([r]),
    rewind: () => hub.rewind(),
    onStatus: (status) => (hub.playback = status),
  });
  const server = await WireServer.start({
    hub,
    token: "t",
    replay: true,
    heartbeatMs: 0,
    control: (frame) => playbackControl(player, frame),
    seek: (frame) => playbackSeek(player, frame),
  });
  const stop = new AbortController();
  const client = await connect(server.url);
  client.attach("t");
  await server.waitForRenderer(5_000);
  const playing = player.run(stop.signal);
  cleanups.push(async () => {
    stop.abort();
    client.close();
    await server.close();
    await playing;
  });
  return Object.assign(client, { url: server.url });
};

const isPlayback =
  (state: PlaybackFrame["state"], rowSeq: number) =>
  (frame: OutboundFrame): boolean =>
    frame.kind === "playback" && frame.state === state && frame.rowSeq === rowSeq;

describe("a played-back session on the wire", () => {
  it("announces playback without heartbeats, reports the end, and rewinds on a seek back", async () => {
    const client = await serve();
    const hello = await client.waitFor((frame) => frame.kind === "hello");
    expect(hello).toMatchObject({ replay: true, heartbeatMs: 0, protocol: { version: "1.1.0" } });
    expect((hello as { capabilities: string[] }).capabilities).toEqual(expect.arrayContaining(["control", "playback"]));
    await client.waitFor(isPlayback("ended", 5));
    const expected = [...replayFrames(ROWS)].filter(isStreamFrame);
    expect(client.invalid).toEqual([]);
    expect(client.stream()).toEqual(expected);

    const before = client.frames.length;
    client.send({ v: 1, kind: "seek", id: "s-1", to: 3 });
    await client.waitFor(isPlayback("paused", 3), 10_000, before);
    const after = client.frames.slice(before);
    expect(after[0]).toEqual({ v: 1, kind: "rewind", seq: 0 });
    // The stream starts over at seq 1, numbered as the first time, up to the row sought.
    expect(after.filter(isStreamFrame)).toEqual(expected.filter((frame) => (frame.kind === "event" ? frame.row.seq : frame.rowSeq) <= 3));
    expect(after.at(-1)).toMatchObject({ kind: "playback", state: "paused", rowSeq: 3, lastRowSeq: 5, timing: "instant", firstTs: 1_100, lastTs: 1_500 });
  });

  it("a 1.0 renderer beside a seeking one gets an empty snapshot instead of rewind, so the restart is no gap to it", async () => {
    const seeker = await serve();
    await seeker.waitFor(isPlayback("ended", 5));
    const old = await connect(seeker.url);
    cleanups.push(async () => old.close());
    old.attach("t", undefined, { protocol: { name: "escapement-wire", version: "1.0.0" } });
    await old.waitFor((frame) => frame.kind === "run-finished");
    const before = old.frames.length;
    seeker.send({ v: 1, kind: "seek", id: "s-3", to: 3 });
    await seeker.waitFor(isPlayback("paused", 3));
    const streamed = await old.waitFor((frame) => isStreamFrame(frame) && frame.seq === 3, 10_000, before);
    const after = old.frames.slice(before, old.frames.indexOf(streamed) + 1).filter((frame) => frame.kind !== "playback");
    expect(after.map((frame) => frame.kind)).not.toContain("rewind");
    expect(after[0]).toMatchObject({ kind: "snapshot", seq: 0, rowSeq: 0, prompts: [], conversations: [] });
    expect(after.filter(isStreamFrame).map((frame) => frame.seq)).toEqual([1, 2, 3]);
  });

  it("refuses a landmark that is not there with invalid-seek, and a debugger action with invalid-control", async () => {
    const client = await serve();
    await client.waitFor(isPlayback("ended", 5));
    client.send({ v: 1, kind: "seek", id: "s-2", to: "next-turn" });
    await expect(client.waitFor((frame) => frame.kind === "error" && frame.inReplyTo === "s-2")).resolves.toMatchObject({
      code: "invalid-seek",
      path: "/to",
      message: "/to: no llm turn after row 5",
      fatal: false,
    });
    client.send({ v: 1, kind: "control", id: "c-1", action: "interrupt" });
    await expect(client.waitFor((frame) => frame.kind === "error" && frame.inReplyTo === "c-1")).resolves.toMatchObject({ code: "invalid-control" });
  });
});
