/** The replay's player: pause, step and seek over a transcript, with a hand-driven clock. */
import type { PlaybackStatus, TranscriptRow } from "@escapement/wire-schema";
import { describe, expect, it } from "vitest";
import { buildSeekIndex, Player, resolveSeek, type SeekIndex, type Sleep, type Timing } from "../../src/replay/index.js";

const row = (seq: number, event: string, data: unknown = {}): TranscriptRow => ({ seq, ts: 1_000 + seq * 100, event, data });

/** A run: started, its chart's first phase, two turns in `a`, a move to `b` and a turn there, done. */
const ROWS: TranscriptRow[] = [
  row(1, "runner/started", { sessionId: "s", runId: "r", chartId: "c", resumed: false }),
  row(2, "runner/start-config", { config: ["c", "c.a"] }),
  row(3, "llm/request", { invokeId: "i", stateId: "c.a", turn: 1, model: "m", messageCount: 1, tools: [], ref: "io.jsonl#offset=0&length=1", snippet: "x" }),
  row(4, "llm/response", {}),
  row(5, "llm/request", { invokeId: "i", stateId: "c.a", turn: 2, model: "m", messageCount: 3, tools: [], ref: "io.jsonl#offset=1&length=1", snippet: "y" }),
  row(6, "runner/event-processed", { event: "GO", before: ["c", "c.a"], after: ["c", "c.b"], entered: ["c.b"], exited: ["c.a"] }),
  row(7, "llm/request", { invokeId: "j", stateId: "c.b", turn: 1, model: "m", messageCount: 1, tools: [], ref: "io.jsonl#offset=2&length=1", snippet: "z" }),
  row(8, "runner/done", { finalConfig: ["c", "c.b"], status: "done" }),
];

async function* rowsOf(rows: readonly TranscriptRow[]): AsyncGenerator<TranscriptRow> {
  for (const r of rows) yield r;
}

/** A clock the test moves: each wait is held until `release` (an interrupt ends it at once). */
const handClock = () => {
  const pending: { ms: number; resolve: () => void }[] = [];
  const sleep: Sleep = (ms, signal) =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const wait = { ms, resolve };
      pending.push(wait);
      signal.addEventListener(
        "abort",
        () => {
          pending.splice(pending.indexOf(wait), 1);
          resolve();
        },
        { once: true },
      );
    });
  /** Ends the oldest timed wait (not an idle one). */
  const release = () => {
    const index = pending.findIndex((wait) => wait.ms < 2 ** 31 - 1);
    const [wait] = pending.splice(index, 1);
    wait?.resolve();
  };
  return { sleep, pending, release };
};

/** Lets every ready callback run (no timer involved). */
const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
};

const setup = async (timing: Timing, rows: readonly TranscriptRow[] = ROWS) => {
  const index = await buildSeekIndex(rowsOf(rows));
  const clock = handClock();
  const ingested: number[] = [];
  const statuses: PlaybackStatus[] = [];
  let rewinds = 0;
  let ends = 0;
  const player = new Player({
    timing,
    index,
    rows: () => rowsOf(rows),
    ingest: (r) => ingested.push(r.seq),
    rewind: () => {
      rewinds++;
      ingested.length = 0;
    },
    onStatus: (status) => statuses.push(status),
    onEnd: () => ends++,
    sleep: clock.sleep,
  });
  const stop = new AbortController();
  const running = player.run(stop.signal);
  await settle();
  const last = () => statuses.at(-1)!;
  const finish = async () => {
    stop.abort();
    await running;
  };
  return { player, clock, ingested, statuses, last, finish, rewinds: () => rewinds, ends: () => ends };
};

const PACED: Timing = { mode: "paced", intervalMs: 100 };

describe("the seek index", () => {
  it("finds the ends, the llm turns and the rows that move the chart", async () => {
    const index = await buildSeekIndex(rowsOf(ROWS));
    expect(index).toEqual({ firstRowSeq: 1, lastRowSeq: 8, firstTs: 1_100, lastTs: 1_800, turns: [3, 5, 7], phases: [2, 6] });
  });

  it("is empty for an empty transcript, and ignores rows out of order", async () => {
    expect(await buildSeekIndex(rowsOf([]))).toEqual({ firstRowSeq: 0, lastRowSeq: 0, turns: [], phases: [] });
    const index = await buildSeekIndex(rowsOf([ROWS[0]!, ROWS[2]!, ROWS[1]!]));
    expect(index.lastRowSeq).toBe(3);
  });

  it("resolves each target from a position, and says why when there is nothing there", () => {
    const index: SeekIndex = { firstRowSeq: 1, lastRowSeq: 8, turns: [3, 5, 7], phases: [2, 6] };
    expect(resolveSeek(index, 4, "start")).toEqual({ ok: true, rowSeq: 1 });
    expect(resolveSeek(index, 4, "end")).toEqual({ ok: true, rowSeq: 8 });
    expect(resolveSeek(index, 4, "next-turn")).toEqual({ ok: true, rowSeq: 5 });
    expect(resolveSeek(index, 5, "next-turn")).toEqual({ ok: true, rowSeq: 7 });
    expect(resolveSeek(index, 5, "previous-turn")).toEqual({ ok: true, rowSeq: 3 });
    expect(resolveSeek(index, 4, "next-phase")).toEqual({ ok: true, rowSeq: 6 });
    expect(resolveSeek(index, 4, "previous-phase")).toEqual({ ok: true, rowSeq: 2 });
    expect(resolveSeek(index, 7, "next-turn")).toEqual({ ok: false, message: "no llm turn after row 7" });
    expect(resolveSeek(index, 2, "previous-phase")).toEqual({ ok: false, message: "no chart phase before row 2" });
    expect(resolveSeek(index, 4, 99)).toEqual({ ok: true, rowSeq: 8 });
    expect(resolveSeek(index, 4, 6)).toEqual({ ok: true, rowSeq: 6 });
    expect(resolveSeek({ firstRowSeq: 0, lastRowSeq: 0, turns: [], phases: [] }, 0, "start")).toEqual({ ok: false, message: "the transcript has no rows" });
  });
});

describe("the player", () => {
  it("plays every row at once with instant timing, then says it ended", async () => {
    const p = await setup({ mode: "instant" });
    expect(p.ingested).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(p.statuses.map((s) => [s.state, s.rowSeq])).toEqual([
      ["playing", 0],
      ["ended", 8],
    ]);
    expect(p.last()).toEqual({ state: "ended", rowSeq: 8, lastRowSeq: 8, timing: "instant", firstTs: 1_100, lastTs: 1_800 });
    expect(p.ends()).toBe(1);
    await p.finish();
  });

  it("waits the recorded gaps, divided by the speed and capped", async () => {
    const p = await setup({ mode: "wallclock", speed: 4, capMs: 20 });
    expect(p.ingested).toEqual([1]);
    expect(p.clock.pending.map((w) => w.ms)).toEqual([20]);
    expect(p.last()).toMatchObject({ state: "playing", timing: "wallclock", speed: 4 });
    await p.finish();
  });

  it("holds the rows while paused, lets `step` rows through, and goes on after resume", async () => {
    const p = await setup(PACED);
    expect(p.ingested).toEqual([1]);
    p.player.pause();
    await settle();
    expect(p.last()).toMatchObject({ state: "paused", rowSeq: 1 });
    p.clock.release();
    await settle();
    expect(p.ingested).toEqual([1]);
    p.player.step(2);
    await settle();
    expect(p.ingested).toEqual([1, 2, 3]);
    // The step's last row is a change: the renderer is told the new position.
    expect(p.last()).toMatchObject({ state: "paused", rowSeq: 3 });
    p.player.resume();
    await settle();
    expect(p.last()).toMatchObject({ state: "playing", rowSeq: 3 });
    p.clock.release();
    await settle();
    expect(p.ingested).toEqual([1, 2, 3, 4]);
    await p.finish();
  });

  it("seeks forward at once and stays paused", async () => {
    const p = await setup(PACED);
    p.player.pause();
    expect(p.player.seek("next-phase")).toEqual({ ok: true, rowSeq: 2 });
    await settle();
    expect(p.player.seek(6)).toEqual({ ok: true, rowSeq: 6 });
    await settle();
    expect(p.ingested).toEqual([1, 2, 3, 4, 5, 6]);
    expect(p.last()).toMatchObject({ state: "paused", rowSeq: 6 });
    expect(p.rewinds()).toBe(0);
    await p.finish();
  });

  it("seeks backwards by rewinding and playing the rows up to the target again", async () => {
    const p = await setup(PACED);
    p.player.pause();
    p.player.seek(7);
    await settle();
    expect(p.player.seek("previous-turn")).toEqual({ ok: true, rowSeq: 5 });
    await settle();
    expect(p.rewinds()).toBe(1);
    expect(p.ingested).toEqual([1, 2, 3, 4, 5]);
    expect(p.last()).toMatchObject({ state: "paused", rowSeq: 5 });
    p.player.seek("start");
    await settle();
    expect(p.ingested).toEqual([1]);
    expect(p.last()).toMatchObject({ state: "paused", rowSeq: 1 });
    await p.finish();
  });

  it("keeps playing after a seek while playing", async () => {
    const p = await setup(PACED);
    p.player.seek("next-turn");
    await settle();
    expect(p.ingested).toEqual([1, 2, 3]);
    expect(p.last()).toMatchObject({ state: "playing", rowSeq: 3 });
    p.clock.release();
    await settle();
    expect(p.ingested).toEqual([1, 2, 3, 4]);
    await p.finish();
  });

  it("ends at the end; a seek back from there pauses, and reaching the end again ends again", async () => {
    const p = await setup(PACED);
    p.player.seek("end");
    await settle();
    expect(p.last()).toMatchObject({ state: "ended", rowSeq: 8 });
    expect(p.ends()).toBe(1);
    p.player.resume();
    p.player.step();
    await settle();
    expect(p.last()).toMatchObject({ state: "ended", rowSeq: 8 });
    p.player.seek("previous-phase");
    await settle();
    expect(p.last()).toMatchObject({ state: "paused", rowSeq: 6 });
    expect(p.ingested).toEqual([1, 2, 3, 4, 5, 6]);
    p.player.resume();
    p.player.seek("end");
    await settle();
    expect(p.last()).toMatchObject({ state: "ended", rowSeq: 8 });
    expect(p.ends()).toBe(2);
    await p.finish();
  });

  it("seeks relative to a seek not yet carried out, and refuses a landmark that is not there", async () => {
    const p = await setup(PACED);
    p.player.pause();
    expect(p.player.seek("next-turn")).toEqual({ ok: true, rowSeq: 3 });
    expect(p.player.seek("next-turn")).toEqual({ ok: true, rowSeq: 5 });
    await settle();
    expect(p.last()).toMatchObject({ rowSeq: 5 });
    expect(p.player.seek("previous-phase")).toEqual({ ok: true, rowSeq: 2 });
    await settle();
    expect(p.player.seek("previous-phase")).toEqual({ ok: false, message: "no chart phase before row 2" });
    await settle();
    expect(p.last()).toMatchObject({ state: "paused", rowSeq: 2 });
    await p.finish();
  });
});
