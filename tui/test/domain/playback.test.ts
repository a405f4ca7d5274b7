import { describe, expect, test } from "bun:test";
import { playbackFrame, rewindFrame, type OutboundFrame, type PlaybackStatus } from "@escapement/wire-schema";
import { applyFrames, initialViewState, logRowCount, playbackPosition } from "../../src/domain/index.ts";
import { playbackLabel } from "../../src/ui/playback-label.ts";
import { sampleFrames } from "../support/frames.ts";

const sample = sampleFrames();
const rows = sample.filter((frame): frame is Extract<OutboundFrame, { kind: "event" }> => frame.kind === "event").map((frame) => frame.row);
const firstTs = rows[0]!.ts;
const lastTs = rows.at(-1)!.ts;
const last = rows.at(-1)!.seq;
const status = (over: Partial<PlaybackStatus> = {}): PlaybackStatus => ({
  state: "playing",
  rowSeq: 0,
  lastRowSeq: last,
  timing: "wallclock",
  speed: 4,
  firstTs,
  lastTs,
  ...over,
});

describe("a replay's playback", () => {
  test("is unknown until the core reports it; then the position follows the rows", () => {
    const before = applyFrames(initialViewState(), sample.slice(0, 8));
    expect(playbackPosition(before)).toBeUndefined();
    expect(playbackLabel(before)).toBeUndefined();
    const state = applyFrames(initialViewState(), [sample[0]!, playbackFrame(0, status()), ...sample.slice(1, 8)]);
    const at = playbackPosition(state)!;
    expect(at).toMatchObject({ state: "playing", rowSeq: state.rowSeq, lastRowSeq: last, speed: 4 });
    expect(at.atMs).toBe(state.lastTs! - firstTs);
    expect(at.totalMs).toBe(lastTs - firstTs);
    expect(playbackLabel(state)!.text).toMatch(new RegExp(`^▶ playing row ${state.rowSeq}/${last} · 0:00\\.\\d/0:0\\d\\.\\d · 4×$`));
  });

  test("says paused and ended as the core does", () => {
    const paused = applyFrames(initialViewState(), [...sample.slice(0, 8), playbackFrame(7, status({ state: "paused", rowSeq: 5 }))]);
    expect(playbackLabel(paused)).toMatchObject({ tone: "warn" });
    expect(playbackLabel(paused)!.text).toStartWith("⏸ PAUSED row");
    const ended = applyFrames(initialViewState(), [...sample, playbackFrame(40, status({ state: "ended", rowSeq: last, speed: 1 }))]);
    expect(playbackLabel(ended)!.text).toMatch(new RegExp(`^■ ended row ${last}/${last} · [\\d:.]+/[\\d:.]+$`));
  });

  test("a rewind starts the stream over: the log, phase and outcome go, the run and the playback stay", () => {
    const ended = applyFrames(initialViewState(), [...sample, playbackFrame(40, status({ state: "ended", rowSeq: last }))]);
    expect(ended.finished).toBeDefined();
    const rewound = applyFrames(ended, [rewindFrame(), ...sample.slice(1, 4)]);
    expect(rewound.run).toEqual(ended.run);
    expect(rewound.finished).toBeUndefined();
    expect(rewound.seq).toBe(3);
    expect(logRowCount(rewound)).toBe(logRowCount(applyFrames(initialViewState(), sample.slice(0, 4))));
    expect(playbackPosition(rewound)).toMatchObject({ state: "ended", rowSeq: rewound.rowSeq });
    // Frames of the new stream are applied, not taken for repeats of the old one.
    expect(rewound.rowSeq).toBeGreaterThan(0);
  });
});
