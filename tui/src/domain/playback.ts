/**
 * A replay's playback as the core reports it (`playback` frames), and the stream starting over
 * (`rewind`, after a seek backwards). Pure.
 */
import type { PlaybackFrame, PlaybackStatus } from "@escapement/wire-schema";
import { initialViewState, type ViewState } from "./view-state.ts";

/** The playback's state as of its last change; the position after it is the last row seen (`rowSeq`). */
export type PlaybackView = PlaybackStatus;

export const applyPlayback = (state: ViewState, frame: PlaybackFrame): ViewState => {
  const { v: _v, kind: _kind, seq: _seq, ...status } = frame;
  return { ...state, playback: status };
};

/** Everything the stream built goes; the run, the playback and the connection's errors stay. */
export const applyRewind = (state: ViewState): ViewState => ({
  ...initialViewState(state.options),
  ...(state.run ? { run: state.run } : {}),
  ...(state.playback ? { playback: state.playback } : {}),
  wireErrors: state.wireErrors,
});

/** Where the playback is: the row shown last, of how many, and the recorded time between the first row and it. */
export interface PlaybackPosition {
  readonly state: PlaybackView["state"];
  readonly rowSeq: number;
  readonly lastRowSeq: number;
  /** Recorded time from the first row to the row shown last, and to the last row. */
  readonly atMs?: number;
  readonly totalMs?: number;
  /** wallclock: how many times faster than recorded. */
  readonly speed?: number;
}

export const playbackPosition = (state: ViewState): PlaybackPosition | undefined => {
  const playback = state.playback;
  if (!playback) return undefined;
  const { firstTs, lastTs } = playback;
  const rowSeq = Math.min(state.rowSeq, playback.lastRowSeq);
  return {
    state: playback.state,
    rowSeq,
    lastRowSeq: playback.lastRowSeq,
    ...(firstTs !== undefined && lastTs !== undefined
      ? { atMs: rowSeq === 0 ? 0 : Math.max(0, (state.lastTs ?? firstTs) - firstTs), totalMs: Math.max(0, lastTs - firstTs) }
      : {}),
    ...(playback.speed === undefined ? {} : { speed: playback.speed }),
  };
};
