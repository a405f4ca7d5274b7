import { jsonDifferences } from "../llm/cassette/index.js";
import { canonicalStateJson, plainState, type ChartState } from "../runtime/state-hash.js";
import type { RecordedState } from "./recorded-states.js";

/** How many differences a divergence lists (the one-line message shows the first). */
const MAX_DIFFERENCES = 20;

/** The largest state a notice carries whole (as JSON text): a row is no place for a huge context. */
const MAX_NOW_BYTES = 64 * 1024;

/** The first event after which a run's chart state is not the one its recording holds. */
export interface StateDivergence {
  /** The recorded row the state is compared with. */
  recorded: Required<RecordedState>;
  /** The event the run processed as the recording's `recorded.number`-th (its type). */
  event: string;
  stateHash: string;
  /** The chart's active states now. */
  config: readonly string[];
  /** The state now: what the recording's state is compared with. */
  now: ChartState;
  /** The recorded state, when the recording's checkpoints still hold it; otherwise only its hash is known. */
  before: ChartState | undefined;
}

/** Data of the `runner/notice` row (`code: "state-diverged"`) that reports a divergence, with every difference found. */
export interface DivergenceNotice {
  code: "state-diverged";
  message: string;
  /** The event's number (1-based) in the run's chart, and its type now and in the recording. */
  eventNumber: number;
  event: string;
  recordedEvent: string;
  /** The recording's row for that event: its seq, and the state hash it carries. */
  recordedSeq: number;
  recordedHash: string;
  stateHash: string;
  /** `checkpoint`: the recorded state was read from the recording's checkpoints, `differences` compares it. `hash`: only its hash is known, `now` is the state now. */
  recordedFrom: "checkpoint" | "hash";
  differences?: string[];
  /** Only when the recorded state is known by its hash: the state now (its value and context), when its JSON is at most 64 KiB. */
  now?: unknown;
  /** Instead of `now` when it is larger: the size of its JSON. */
  nowBytes?: number;
}

/** "path: recorded X, now Y" lines, or nothing when only the recorded hash is known. */
export const differencesOf = (divergence: StateDivergence): string[] =>
  divergence.before ? jsonDifferences(plainState(divergence.before), plainState(divergence.now), MAX_DIFFERENCES) : [];

/** What differs, in one clause: the first difference (and how many more), or the two hashes. */
function firstDifference(divergence: StateDivergence, differences: readonly string[]): string {
  if (!divergence.before) {
    return `state ${divergence.stateHash}, recorded ${divergence.recorded.stateHash} (the recording's checkpoints no longer hold that state: only its hash is known)`;
  }
  const more = differences.length > 1 ? ` (and ${differences.length - 1} more difference${differences.length > 2 ? "s" : ""})` : "";
  return `${differences[0] ?? "the same JSON, another hash"}${more}`;
}

const eventName = (divergence: StateDivergence): string =>
  divergence.event === divergence.recorded.event ? `"${divergence.event}"` : `"${divergence.event}" (recorded "${divergence.recorded.event}")`;

/**
 * The one line that says where a replay left its recording: the event, the state the chart is in,
 * the recorded row, and what differs.
 */
export function replayDivergenceMessage(divergence: StateDivergence, recordedTranscript: string, differences: readonly string[]): string {
  const { recorded, config } = divergence;
  return (
    `the chart's state after event #${recorded.number} ${eventName(divergence)} differs from the recording ` +
    `(seq ${recorded.seq} of ${recordedTranscript}): now in [${config.join(", ")}]; ${firstDifference(divergence, differences)}`
  );
}

/** The one line that says a resumed session's checkpoint does not hold the state its transcript recorded. */
export function resumeDivergenceMessage(divergence: StateDivergence, checkpointSeq: number, differences: readonly string[]): string {
  const { recorded, config } = divergence;
  return (
    `the checkpoint at seq ${checkpointSeq} does not hold the state the transcript recorded after event #${recorded.number} ` +
    `${eventName(divergence)} (seq ${recorded.seq}): it is in [${config.join(", ")}]; ${firstDifference(divergence, differences)}; the run continues from the checkpoint`
  );
}

/** The `runner/notice` data for a divergence: the message, both hashes, and the differences (or the state now, when only the recorded hash is known). */
export function divergenceNotice(divergence: StateDivergence, message: string, differences: readonly string[]): DivergenceNotice {
  const { recorded } = divergence;
  return {
    code: "state-diverged",
    message,
    eventNumber: recorded.number,
    event: divergence.event,
    recordedEvent: recorded.event,
    recordedSeq: recorded.seq,
    recordedHash: recorded.stateHash,
    stateHash: divergence.stateHash,
    recordedFrom: divergence.before ? "checkpoint" : "hash",
    ...(divergence.before ? { differences: [...differences] } : nowOf(divergence.now)),
  };
}

function nowOf(state: ChartState): { now: unknown } | { nowBytes: number } {
  const bytes = Buffer.byteLength(canonicalStateJson(state));
  return bytes <= MAX_NOW_BYTES ? { now: plainState(state) } : { nowBytes: bytes };
}
