/** Everything the TUI shows, derived from wire frames only. */
import type { DebugState, Phase, Prompt, RunOutcome, PlaybackStatus } from "@escapement/wire-schema";
import { emptyLog, type BoundedLog } from "./bounded-log.ts";
import type { Answers } from "./answers.ts";
import type { ConversationView } from "./conversation.ts";
import type { LogRow } from "./log-row.ts";
import type { Steers } from "./steers.ts";

export interface RunView {
  readonly sessionId: string;
  readonly runId: string;
  readonly chartId: string;
  /** True when the frames come from a saved transcript. */
  readonly replay: boolean;
  readonly capabilities: readonly string[];
}

export interface PhaseView extends Phase {
  /** The chart event that caused this configuration. */
  readonly event?: string;
}

export interface ChildSessionView {
  readonly childSessionId: string;
  readonly chartId: string;
  readonly parentInvokeId?: string;
  readonly status: "running" | RunOutcome["status"];
  readonly startedTs: number;
}

export interface ArtifactView {
  readonly name: string;
  readonly ref: string;
  readonly bytes: number;
  readonly snippet: string;
  readonly seq: number;
}

/** An `error` frame from the core (about this connection, not the run). */
export interface WireErrorView {
  readonly code: string;
  readonly message: string;
  readonly fatal: boolean;
}

export interface ViewOptions {
  /** Newest log rows kept (at least this many, up to 127 more: the log drops whole chunks). */
  readonly logCapacity: number;
  /** Characters of each conversation's streamed text kept (up to twice this before trimming). */
  readonly streamTail: number;
  /** Ended conversations kept for the LIVE panel; the oldest go first. */
  readonly endedConversations: number;
}

export const DEFAULT_VIEW_OPTIONS: ViewOptions = { logCapacity: 100_000, streamTail: 8_192, endedConversations: 32 };

export interface ViewState {
  readonly options: ViewOptions;
  /** From `hello` (or runner/started when no hello came first). */
  readonly run?: RunView;
  /** Last stream seq applied; stream frames at or below it are repeats and are ignored. */
  readonly seq: number;
  /** Transcript seq of the last row seen. */
  readonly rowSeq: number;
  /** Time of the first and latest rows (the run's clock, which a replay preserves). */
  readonly startedTs?: number;
  readonly lastTs?: number;
  readonly phase?: PhaseView;
  /** Open prompts, oldest first. */
  readonly prompts: readonly Prompt[];
  /** This renderer's answers to open prompts, by prompt id. */
  readonly answers: Answers;
  /** This renderer's messages to conversations, newest last (see steers.ts). */
  readonly steers: Steers;
  readonly debug: DebugState;
  /** Conversations in start order, live and recently ended. */
  readonly conversations: ReadonlyMap<string, ConversationView>;
  readonly children: ReadonlyMap<string, ChildSessionView>;
  readonly artifacts: readonly ArtifactView[];
  readonly finished?: RunOutcome;
  /** A replay's playback, when the core plays a saved session (`playback` frames). */
  readonly playback?: PlaybackStatus;
  /** The latest wire errors, newest last. */
  readonly wireErrors: readonly WireErrorView[];
  readonly log: BoundedLog<LogRow>;
}

export const WIRE_ERRORS_KEPT = 16;

export const initialViewState = (options: Partial<ViewOptions> = {}): ViewState => {
  const resolved = { ...DEFAULT_VIEW_OPTIONS, ...options };
  return {
    options: resolved,
    seq: 0,
    rowSeq: 0,
    prompts: [],
    answers: new Map(),
    steers: [],
    debug: { paused: false, mode: "run", stepBudget: 0 },
    conversations: new Map(),
    children: new Map(),
    artifacts: [],
    wireErrors: [],
    log: emptyLog(resolved.logCapacity),
  };
};
