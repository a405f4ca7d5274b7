/**
 * The store's reducer: one validated core -> renderer frame in, the next view out. Pure; the
 * state is immutable. Stream frames at or below the last seq are repeats (a resume that overlaps)
 * and change nothing, so a frame is never applied twice.
 */
import type { HelloFrame, OutboundFrame, SnapshotFrame, TranscriptRow } from "@escapement/wire-schema";
import { applyRow } from "./apply-row.js";
import { fromSnapshot, type ConversationView } from "./conversation.js";
import { initialViewState, type ViewState } from "./view-state.js";

const STREAM_KINDS: ReadonlySet<string> = new Set(["event", "phase", "prompt", "prompt-closed", "debug", "run-finished"]);

export const isStream = (frame: OutboundFrame): boolean => STREAM_KINDS.has(frame.kind);

const applyHello = (state: ViewState, frame: HelloFrame): ViewState => {
  // A hello for another run (a reconnect that reached a new run) starts the view over.
  const fresh = state.run !== undefined && state.run.runId !== frame.runId ? initialViewState() : state;
  const { sessionId, runId, chartId, replay, capabilities } = frame;
  // The stream continues after hello.seq; frames up to what this view already has are repeats.
  return { ...fresh, run: { sessionId, runId, chartId, replay, capabilities }, seq: Math.max(fresh.seq, frame.seq) };
};

const applySnapshot = (state: ViewState, frame: SnapshotFrame): ViewState => {
  const conversations = new Map<string, ConversationView>();
  // Known conversations the snapshot no longer lists have ended since.
  for (const [id, c] of state.conversations) conversations.set(id, c.ended ? c : { ...c, ended: "exit" });
  for (const c of frame.conversations) conversations.set(c.invokeId, fromSnapshot(c));
  const { phase: _phase, finished: _finished, gap: _gap, ...rest } = state;
  return {
    ...rest,
    seq: frame.seq,
    rowSeq: frame.rowSeq,
    ...(frame.phase ? { phase: frame.phase } : {}),
    prompts: frame.prompts,
    debug: frame.debug,
    conversations,
    ...(frame.finished ? { finished: frame.finished } : {}),
  };
};

/** A progress prompt's bar moves with its `human-input/progress` rows. */
const withProgress = (state: ViewState, row: TranscriptRow): ViewState => {
  if (row.event !== "human-input/progress") return state;
  const { promptId, value, total } = row.data as { promptId: string; value: number; total: number };
  return { ...state, prompts: state.prompts.map((p) => (p.promptId === promptId ? { ...p, progress: { value, total } } : p)) };
};

const applyStream = (state: ViewState, frame: OutboundFrame): ViewState => {
  switch (frame.kind) {
    case "event":
      return withProgress(applyRow(state, frame.row), frame.row);
    case "phase": {
      const { config, breadcrumb, event } = frame;
      return { ...state, phase: { config, breadcrumb, ...(event === undefined ? {} : { event }) } };
    }
    case "prompt":
      return { ...state, prompts: [...state.prompts.filter((p) => p.promptId !== frame.prompt.promptId), frame.prompt] };
    case "prompt-closed":
      return { ...state, prompts: state.prompts.filter((p) => p.promptId !== frame.promptId) };
    case "debug": {
      const { paused, mode, stepBudget, reason } = frame;
      return { ...state, debug: { paused, mode, stepBudget, ...(reason === undefined ? {} : { reason }) } };
    }
    case "run-finished": {
      const { status, finalConfig, error, parked } = frame;
      const finished = { status, finalConfig, ...(error ? { error } : {}), ...(parked ? { parked } : {}) };
      // A parked session's prompts stay open: an answer wakes it.
      return parked ? { ...state, finished } : { ...state, prompts: [], finished };
    }
    default:
      return state;
  }
};

export const applyFrame = (state: ViewState, frame: OutboundFrame): ViewState => {
  if (isStream(frame)) {
    const seq = (frame as { seq: number }).seq;
    const first = (frame as { coalescedFrom?: number }).coalescedFrom ?? seq;
    if (seq <= state.seq) return state;
    if (first !== state.seq + 1) return { ...state, gap: { expected: state.seq + 1, got: first } };
    return { ...applyStream(state, frame), seq };
  }
  switch (frame.kind) {
    case "hello":
      return applyHello(state, frame);
    case "snapshot":
      return applySnapshot(state, frame);
    case "playback": {
      const { kind: _k, v: _v, seq: _s, ...status } = frame;
      return { ...state, playback: status };
    }
    case "rewind":
      // The stream starts over: keep the run ids of hello, drop what the stream built.
      return { ...initialViewState(), ...(state.run ? { run: state.run } : {}), ...(state.playback ? { playback: state.playback } : {}) };
    default:
      return state;
  }
};
