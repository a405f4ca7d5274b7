import type { StreamFrame } from "@escapement/wire-schema";
import { frameEvents, framesFromRow, initialSequencerState, PROTOCOL_MAJOR, type SequencerState, type TranscriptRow } from "@escapement/wire-schema/runtime";

/** The frames-only sequencer of a replay, with a way to count a row that is known to derive nothing. */
export interface ReplaySequencer {
  /** The stream frames of the next row, seq assigned (as `createFramesOnlySequencer` gives them). */
  push(row: TranscriptRow): StreamFrame[];
  /** The seq of the event frame of the next row, a row of an event outside `frameEvents` (it derives nothing). */
  next(): number;
}

/**
 * `createFramesOnlySequencer` with the seq counted apart, so a row outside `frameEvents` takes a
 * seq without being a row object at all: a replay splices such a row's line into its frame
 * unparsed. Rows of `frameEvents` fold through `framesFromRow`, as there.
 */
export const createReplaySequencer = (): ReplaySequencer => {
  let state: SequencerState = initialSequencerState;
  let seq = 0;
  return {
    push(row) {
      if (!frameEvents.has(row.event)) return [{ v: PROTOCOL_MAJOR, kind: "event", seq: ++seq, row }];
      const step = framesFromRow(row, seq === state.seq ? state : { ...state, seq });
      state = step.state;
      seq = state.seq;
      return step.frames;
    },
    next: () => ++seq,
  };
};
