/** The 1.1 playback frames: the builders make valid frames, and a 1.0 reader's rules still hold. */
import { describe, expect, it } from "vitest";
import { CAPABILITIES, PROTOCOL_VERSION, playbackFrame, rewindFrame, validateFrame } from "../src/index.js";

describe("playback frames", () => {
  it("builds valid playback and rewind frames", () => {
    const playback = playbackFrame(12, { state: "paused", rowSeq: 9, lastRowSeq: 40, timing: "paced", intervalMs: 100 });
    expect(validateFrame(playback, { direction: "outbound" })).toEqual({ ok: true, frame: playback });
    expect(validateFrame(rewindFrame(), { direction: "outbound" })).toEqual({ ok: true, frame: { v: 1, kind: "rewind", seq: 0 } });
  });

  it("takes seek as a renderer frame only, with a named target or a row seq", () => {
    expect(validateFrame({ v: 1, kind: "seek", to: "previous-phase" }, { direction: "inbound" }).ok).toBe(true);
    expect(validateFrame({ v: 1, kind: "seek", to: 7 }, { direction: "inbound" }).ok).toBe(true);
    expect(validateFrame({ v: 1, kind: "seek", to: 7 }, { direction: "outbound" })).toMatchObject({
      ok: false,
      error: { code: "unknown-kind", path: "/kind" },
    });
    expect(validateFrame({ v: 1, kind: "seek", to: 1.5 }, { direction: "inbound" })).toMatchObject({
      ok: false,
      error: { code: "invalid-frame", path: "/to" },
    });
  });

  it("is minor 1.1 with a playback capability", () => {
    expect(PROTOCOL_VERSION).toBe("1.1.0");
    expect(CAPABILITIES.playback).toBe("playback");
  });
});
