import type { CheckpointFiles } from "../runtime/checkpoint-store.js";
import { ContextTrail, stateHash, type ChartState } from "../runtime/state-hash.js";
import type { SecretScrubber } from "../runtime/secret-scrubber.js";
import { recordedSnapshot, type RecordedState } from "./recorded-states.js";
import {
  differencesOf,
  divergenceNotice,
  replayDivergenceMessage,
  resumeDivergenceMessage,
  type DivergenceNotice,
  type StateDivergence,
} from "./state-divergence.js";

/** The recording a replayed run is compared with, event by event. */
export interface ReplayRecording {
  /** The recorded session's transcript (named in messages) and checkpoints (the recorded states, where they still are). */
  transcript: string;
  checkpoints: CheckpointFiles;
  states: readonly RecordedState[];
  /** Strict replay: a divergence ends the run. Otherwise (a fork) it is reported and the run goes on. */
  strict: boolean;
}

/** A divergence found, reported as a `runner/notice` row; `fatal`: the run ends with error `state-diverged`. */
export interface ReportedDivergence {
  notice: DivergenceNotice;
  fatal: boolean;
}

/**
 * A run's chart states: the hash each `runner/event-processed` row carries, and, for a replay,
 * the comparison of each with the recording's row for the same event (the n-th event of the run
 * with the recording's n-th). Only the first divergence is reported: after it, the run is
 * somewhere the recording never was.
 */
export class StateWatch {
  readonly #scrubber: SecretScrubber;
  readonly #replay: ReplayRecording | undefined;
  /** The recording's index of the run's next event (a resumed replay starts past the events its transcript holds). */
  #next: number;
  #reported = false;
  /** What the last state's hash can lend the next one's (see `ContextTrail`). */
  readonly #trail = new ContextTrail();

  constructor(scrubber: SecretScrubber, replay?: ReplayRecording, eventsBefore = 0) {
    this.#scrubber = scrubber;
    this.#replay = replay;
    this.#next = eventsBefore;
  }

  /** The state's hash; undefined for a state with no JSON form (a BigInt, a cycle), which its checkpoint cannot hold either. */
  hashOf(state: ChartState): string | undefined {
    try {
      return stateHash(state, this.#scrubber, this.#trail);
    } catch {
      return undefined;
    }
  }

  /** After the run's next event: the divergence from the recording, when this is the first event after which they differ. */
  afterEvent(event: string, hash: string | undefined, now: ChartState, config: readonly string[]): ReportedDivergence | undefined {
    const index = this.#next++;
    const replay = this.#replay;
    if (!replay || this.#reported || hash === undefined) return undefined;
    const recorded = replay.states[index];
    if (recorded?.stateHash === undefined || recorded.stateHash === hash) return undefined;
    this.#reported = true;
    const divergence: StateDivergence = {
      recorded: recorded as Required<RecordedState>,
      event,
      stateHash: hash,
      config,
      now,
      before: recordedSnapshot(replay.checkpoints, recorded.seq, recorded.stateHash, this.#scrubber),
    };
    const differences = differencesOf(divergence);
    const message = replayDivergenceMessage(divergence, replay.transcript, differences);
    return { notice: divergenceNotice(divergence, message, differences), fatal: replay.strict };
  }

  /**
   * A resume's check: the state restored from the checkpoint against the hash the transcript
   * recorded after the last event before it. Undefined when they agree, or when the row carries
   * no hash (written before rows did). The restored state is the one the run continues from.
   */
  resumed(
    recorded: RecordedState | undefined,
    /** `files`: the checkpoint files that may hold the recorded state (a store without them holds its latest record only). */
    checkpoint: { seq: number; files?: CheckpointFiles },
    now: ChartState,
    config: readonly string[],
  ): DivergenceNotice | undefined {
    if (recorded?.stateHash === undefined) return undefined;
    const hash = this.hashOf(now);
    if (hash === undefined || hash === recorded.stateHash) return undefined;
    const divergence: StateDivergence = {
      recorded: recorded as Required<RecordedState>,
      event: recorded.event,
      stateHash: hash,
      config,
      now,
      before: checkpoint.files && recordedSnapshot(checkpoint.files, recorded.seq, recorded.stateHash, this.#scrubber),
    };
    const differences = differencesOf(divergence);
    return divergenceNotice(divergence, resumeDivergenceMessage(divergence, checkpoint.seq, differences), differences);
  }
}
