import type { StreamFrame } from "@escapement/wire-schema";
import { frameEvents, framesFromRow, initialSequencerState, PROTOCOL_MAJOR, type SequencerState, type TranscriptRow } from "@escapement/wire-schema/runtime";

/** The frames-only sequencer of a replay, with a way to count a row that is known to derive nothing. */
export interface ReplaySequencer {
  /** The stream frames of the next row, seq assigned (as `createFramesOnlySequencer` gives them). */
  push(row: TranscriptRow): StreamFrame[];
  /** The seq of the event frame of the next row, a row that derives nothing (one outside `frameEvents`, or an unmoved `event-processed`). */
  next(): number;
  /** The JSON text of the phase's active states (`[]` before any phase): what an `event-processed` row that does not move it has as `after`. */
  phaseText(): string;
}

/**
 * `createFramesOnlySequencer` with the seq counted apart, so a row outside `frameEvents` takes a
 * seq without being a row object at all: a replay splices such a row's line into its frame
 * unparsed. Rows of `frameEvents` fold through `framesFromRow`, as there.
 */
export const createReplaySequencer = (): ReplaySequencer => {
  let state: SequencerState = initialSequencerState;
  let seq = 0;
  /** `phaseText()` of `phaseOf`, worked out once per phase. */
  let phaseOf: SequencerState["phase"] | null = null;
  let phaseText = "[]";
  return {
    push(row) {
      if (!frameEvents.has(row.event)) return [{ v: PROTOCOL_MAJOR, kind: "event", seq: ++seq, row }];
      const step = framesFromRow(row, seq === state.seq ? state : { ...state, seq });
      state = step.state;
      seq = state.seq;
      return step.frames;
    },
    next: () => ++seq,
    phaseText() {
      if (phaseOf !== state.phase) {
        phaseOf = state.phase;
        phaseText = JSON.stringify(state.phase?.config ?? []);
      }
      return phaseText;
    },
  };
};
