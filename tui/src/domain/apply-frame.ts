/**
 * The store's reducer: one validated core -> renderer frame in, the next view out. Pure; the
 * state is immutable, and the log is a chunked structure so appending stays cheap at thousands
 * of frames a second (see bounded-log.ts).
 *
 * Frames must have passed `decodeOutbound` (the transport does that); the reducer trusts the
 * data of known event names.
 */
import { isStreamFrame, type ErrorFrame, type HelloFrame, type OutboundFrame, type SnapshotFrame, type StreamFrame } from "@escapement/wire-schema";
import { logPush } from "./bounded-log.ts";
import { fromSnapshot, onEnded, type ConversationView } from "./conversation.ts";
import { applyRow } from "./apply-row.ts";
import { applyPlayback, applyRewind } from "./playback.ts";
import { LOG_TEXT_MAX } from "./log-row.ts";
import { keepOpen, onAnswerError, onLocalAnswer } from "./answers.ts";
import type { LocalEvent } from "./local-event.ts";
import { onSteerError, onSteerSent } from "./steers.ts";
import { initialViewState, WIRE_ERRORS_KEPT, type ViewState } from "./view-state.ts";

const applyHello = (state: ViewState, frame: HelloFrame): ViewState => {
  // A hello for another run (a reconnect that reached a new run) starts the view over.
  const fresh = state.run !== undefined && state.run.runId !== frame.runId ? initialViewState(state.options) : state;
  const { sessionId, runId, chartId, replay, capabilities } = frame;
  return { ...fresh, run: { sessionId, runId, chartId, replay, capabilities } };
};

const applyWireError = (state: ViewState, frame: ErrorFrame): ViewState => {
  const text = `${frame.code}${frame.fatal ? " (fatal)" : ""}: ${frame.message}`;
  return {
    ...state,
    answers: onAnswerError(state.answers, frame),
    steers: onSteerError(state.steers, frame),
    wireErrors: [...state.wireErrors.slice(1 - WIRE_ERRORS_KEPT), { code: frame.code, message: frame.message, fatal: frame.fatal }],
    log: logPush(state.log, {
      seq: 0,
      ts: state.lastTs ?? 0,
      lane: "error",
      event: "wire/error",
      text: text.slice(0, LOG_TEXT_MAX),
      detail: text,
    }),
  };
};

const applySnapshot = (state: ViewState, frame: SnapshotFrame): ViewState => {
  const ts = state.lastTs ?? 0;
  const conversations = new Map<string, ConversationView>();
  // Known conversations the snapshot no longer lists have ended since.
  for (const [id, c] of state.conversations) conversations.set(id, c.ended ? c : onEnded(c, "exit"));
  for (const c of frame.conversations) {
    conversations.set(c.invokeId, fromSnapshot(c, state.conversations.get(c.invokeId), ts, state.options.streamTail));
  }
  const { phase: _phase, finished: _finished, ...rest } = state;
  return {
    ...rest,
    seq: frame.seq,
    rowSeq: frame.rowSeq,
    ...(frame.phase ? { phase: frame.phase } : {}),
    prompts: frame.prompts,
    answers: keepOpen(state.answers, frame.prompts),
    debug: frame.debug,
    conversations,
    ...(frame.finished ? { finished: frame.finished } : {}),
  };
};

const applyStream = (state: ViewState, frame: StreamFrame): ViewState => {
  switch (frame.kind) {
    case "event":
      return applyRow(state, frame.row);
    case "phase": {
      const { config, breadcrumb, event } = frame;
      return { ...state, phase: { config, breadcrumb, ...(event === undefined ? {} : { event }) } };
    }
    case "prompt": {
      const others = state.prompts.filter((p) => p.promptId !== frame.prompt.promptId);
      return { ...state, prompts: [...others, frame.prompt] };
    }
    case "prompt-closed": {
      const prompts = state.prompts.filter((p) => p.promptId !== frame.promptId);
      return { ...state, prompts, answers: keepOpen(state.answers, prompts) };
    }
    case "debug": {
      const { paused, mode, stepBudget, reason } = frame;
      return { ...state, debug: { paused, mode, stepBudget, ...(reason === undefined ? {} : { reason }) } };
    }
    case "run-finished": {
      const { status, finalConfig, error, parked } = frame;
      const finished = { status, finalConfig, ...(error ? { error } : {}), ...(parked ? { parked } : {}) };
      // A parked session's prompts stay open (an answer wakes it); otherwise the run is over, every
      // prompt is closed, and so every answer is settled.
      if (parked) return { ...state, finished };
      return { ...state, prompts: [], answers: new Map(), finished };
    }
  }
};

export const applyFrame = (state: ViewState, frame: OutboundFrame): ViewState => {
  if (isStreamFrame(frame)) {
    // Resume re-sends frames after `since`; anything at or below what we have is a repeat.
    if (frame.seq <= state.seq) return state;
    return { ...applyStream(state, frame), seq: frame.seq };
  }
  switch (frame.kind) {
    case "hello":
      return applyHello(state, frame);
    case "snapshot":
      return applySnapshot(state, frame);
    case "error":
      return applyWireError(state, frame);
    case "heartbeat":
      return state;
    case "playback":
      return applyPlayback(state, frame);
    case "rewind":
      return applyRewind(state);
    case "blob":
      // Blob chunks answer this renderer's own reads; the view state holds none.
      return state;
  }
};

/** Folds many frames; a replay file or a resumed backlog goes through here in one step. */
export const applyFrames = (state: ViewState, frames: Iterable<OutboundFrame>): ViewState => {
  let next = state;
  for (const frame of frames) next = applyFrame(next, frame);
  return next;
};

/** A fact from the renderer itself (an answer or a message it sent), applied like a frame. */
export const applyLocal = (state: ViewState, event: LocalEvent): ViewState =>
  event.kind === "steer-sent" ? { ...state, steers: onSteerSent(state.steers, event) } : { ...state, answers: onLocalAnswer(state.answers, event) };
