/** Everything the page shows, derived from wire frames only. */
import type { DebugState, Phase, PlaybackStatus, Prompt, RunOutcome } from "@escapement/wire-schema";
import type { ConversationView } from "./conversation.js";
import type { LogRow } from "./log-row.js";

export interface RunView {
  readonly sessionId: string;
  readonly runId: string;
  readonly chartId: string;
  /** True when the frames come from a saved session. */
  readonly replay: boolean;
  readonly capabilities: readonly string[];
}

export interface PhaseView extends Phase {
  /** The chart event that caused this configuration. */
  readonly event?: string;
}

export interface ViewState {
  readonly run?: RunView;
  /** Last stream seq applied: the `since` of a reconnect. Stream frames at or below it are repeats. */
  readonly seq: number;
  /** Transcript seq of the last row seen. */
  readonly rowSeq: number;
  /** Times of the first and latest rows (the run's clock, which a replay preserves). */
  readonly startedTs?: number;
  readonly lastTs?: number;
  readonly phase?: PhaseView;
  /** Open prompts, oldest first. */
  readonly prompts: readonly Prompt[];
  readonly debug: DebugState;
  /** Conversations by invoke id, in start order. */
  readonly conversations: ReadonlyMap<string, ConversationView>;
  readonly finished?: RunOutcome;
  readonly playback?: PlaybackStatus;
  /** The log, oldest first; at most `logCapacity` rows (the oldest go first). */
  readonly log: readonly LogRow[];
  /** A stream frame that did not follow the last one (a gap): the connection is reset to resume. */
  readonly gap?: { readonly expected: number; readonly got: number };
}

export const LOG_CAPACITY = 5_000;

export const initialViewState = (): ViewState => ({
  seq: 0,
  rowSeq: 0,
  prompts: [],
  debug: { paused: false, mode: "run", stepBudget: 0 },
  conversations: new Map(),
  log: [],
});
