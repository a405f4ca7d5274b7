/**
 * The pure transform from transcript rows to stream frames. Every row becomes an `event` frame;
 * some rows also yield one derived frame right after it. The state it threads through is enough
 * to build a `snapshot` at any point, so a live server and a replay number frames identically.
 */
import { validateEventData } from "./validate.js";
import type { EventDataMap, EventName, Prompt } from "./event-data.js";
import type { ChildSession, Conversation, DebugState, EventFrame, Phase, RunOutcome, SnapshotFrame, StreamFrame } from "./frames-outbound.js";
import type { TranscriptRow } from "./transcript-row.js";
import { breadcrumbOf } from "./breadcrumb.js";
import { PROTOCOL_MAJOR } from "./version.js";

export interface RunInfo {
  sessionId: string;
  runId: string;
  chartId: string;
}

export interface SequencerState {
  /** Last stream seq assigned (0 before any). */
  readonly seq: number;
  /** Seq of the last row consumed (0 before any). */
  readonly rowSeq: number;
  /** From runner/started. */
  readonly run?: RunInfo;
  readonly phase?: Phase;
  readonly prompts: ReadonlyMap<string, Prompt>;
  readonly debug: DebugState;
  readonly conversations: ReadonlyMap<string, Conversation>;
  readonly finished?: RunOutcome;
  /** Fleet child sessions by id, in start order (from `session/child-*` rows); absent before any. */
  readonly children?: ReadonlyMap<string, ChildSession>;
}

export const initialSequencerState: SequencerState = {
  seq: 0,
  rowSeq: 0,
  prompts: new Map(),
  debug: { paused: false, mode: "run", stepBudget: 0 },
  conversations: new Map(),
};

export interface SequencerStep {
  frames: StreamFrame[];
  state: SequencerState;
}

/** The fields every derived frame shares, filled in by `framesFromRow`. */
interface Stamp {
  v: typeof PROTOCOL_MAJOR;
  seq: number;
  rowSeq: number;
}
type Derived = { state: SequencerState; frame?: (stamp: Stamp) => StreamFrame };

/** The leading fields of a derived frame, in wire order. */
const head = <K extends string>(kind: K, { v, seq, rowSeq }: Stamp) => ({ v, kind, seq, rowSeq });

const sameSet = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((id) => b.includes(id));

const withEntry = <V>(map: ReadonlyMap<string, V>, key: string, value: V): Map<string, V> => new Map(map).set(key, value);

const without = <V>(map: ReadonlyMap<string, V>, key: string): ReadonlyMap<string, V> => {
  if (!map.has(key)) return map;
  const next = new Map(map);
  next.delete(key);
  return next;
};

const phaseOf = (config: string[]): Phase => ({ config, breadcrumb: breadcrumbOf(config) });

const updateConversation = (state: SequencerState, invokeId: string, update: (conversation: Conversation) => Conversation): SequencerState => {
  const conversation = state.conversations.get(invokeId);
  if (!conversation) return state;
  return { ...state, conversations: withEntry(state.conversations, invokeId, update(conversation)) };
};

const emptyStream = { text: "", thinking: "" };

/**
 * The fleet child a mirrored row comes from (its data's `childSessionId`), as the optional `child`
 * field of the frame it derives; nothing for the run's own rows.
 */
const childOf = (data: object): { child?: string } => {
  const child = (data as { childSessionId?: unknown }).childSessionId;
  return typeof child === "string" && child.length > 0 ? { child } : {};
};

const updateChild = (state: SequencerState, childSessionId: string, update: (child: ChildSession) => ChildSession): SequencerState => {
  const child = state.children?.get(childSessionId);
  if (!child) return state;
  return { ...state, children: withEntry(state.children!, childSessionId, update(child)) };
};

type Reducers = { [E in EventName]?: (data: EventDataMap[E], state: SequencerState) => Derived };

/** What each known event does to the state, and the frame it derives (if any). */
const reducers: Reducers = {
  "runner/started": ({ sessionId, runId, chartId }, state) => ({ state: { ...state, run: { sessionId, runId, chartId } } }),
  "runner/start-config": ({ config }, state) => {
    const phase = phaseOf(config);
    return { state: { ...state, phase }, frame: (stamp) => ({ ...head("phase", stamp), ...phase }) };
  },
  "runner/event-processed": ({ event, after, entered, exited }, state) => {
    const moved = entered.length > 0 || exited.length > 0 || !sameSet(after, state.phase?.config ?? []);
    if (!moved) return { state };
    const phase = phaseOf(after);
    return { state: { ...state, phase }, frame: (stamp) => ({ ...head("phase", stamp), ...phase, event }) };
  },
  "runner/done": ({ status, finalConfig, error, parked }, state) => {
    const finished: RunOutcome = { status, finalConfig, ...(error ? { error } : {}), ...(parked ? { parked } : {}) };
    return {
      // A parked session's prompts stay open: they are answered through the store, and wake it.
      state: { ...state, finished, prompts: parked ? state.prompts : new Map(), conversations: new Map() },
      frame: (stamp) => ({ ...head("run-finished", stamp), ...finished }),
    };
  },
  "human-input/requested": (prompt, state) => ({
    state: { ...state, prompts: withEntry(state.prompts, prompt.promptId, prompt) },
    frame: (stamp) => ({ ...head("prompt", stamp), prompt, ...childOf(prompt) }),
  }),
  "human-input/progress": ({ promptId, value, total }, state) => {
    const prompt = state.prompts.get(promptId);
    if (!prompt) return { state };
    return { state: { ...state, prompts: withEntry(state.prompts, promptId, { ...prompt, progress: { value, total } }) } };
  },
  "human-input/answered": (data, state) => ({
    state: { ...state, prompts: without(state.prompts, data.promptId) },
    frame: (stamp) => ({ ...head("prompt-closed", stamp), promptId: data.promptId, outcome: "answered", value: data.value, ...childOf(data) }),
  }),
  "human-input/cancelled": (data, state) => ({
    state: { ...state, prompts: without(state.prompts, data.promptId) },
    frame: (stamp) => ({ ...head("prompt-closed", stamp), promptId: data.promptId, outcome: "cancelled", ...childOf(data) }),
  }),
  "session/child-started": ({ childSessionId, chartId }, state) => {
    // A resumed child keeps the phase it had; its status is running again.
    const before = state.children?.get(childSessionId);
    const child: ChildSession = { ...before, childSessionId, chartId, status: "running" };
    return { state: { ...state, children: withEntry(state.children ?? new Map(), childSessionId, child) } };
  },
  "session/child-phase": ({ childSessionId, config, breadcrumb }, state) => ({
    state: updateChild(state, childSessionId, (child) => ({ ...child, phase: { config, breadcrumb } })),
  }),
  "session/child-done": ({ childSessionId, status }, state) => ({
    state: updateChild(state, childSessionId, (child) => ({ ...child, status })),
  }),
  "debug/paused": ({ reason }, state) => debugTo(state, { ...state.debug, paused: true, stepBudget: 0, reason }),
  "debug/resumed": (_data, state) => {
    const { reason: _reason, ...debug } = state.debug;
    return debugTo(state, { ...debug, paused: false });
  },
  "debug/step": ({ n }, state) => {
    const { reason: _reason, ...debug } = state.debug;
    return debugTo(state, { ...debug, mode: "step", stepBudget: n, paused: false });
  },
  "debug/mode": ({ mode }, state) => debugTo(state, { ...state.debug, mode, stepBudget: mode === "step" ? state.debug.stepBudget : 0 }),
  "llm/conversation-started": (data, state) => ({
    state: {
      ...state,
      conversations: withEntry(state.conversations, data.invokeId, {
        invokeId: data.invokeId,
        stateId: data.stateId,
        model: data.model,
        turn: 0,
        streamed: emptyStream,
        ...childOf(data),
      }),
    },
  }),
  "llm/conversation-ended": ({ invokeId }, state) => ({
    state: { ...state, conversations: without(state.conversations, invokeId) },
  }),
  "llm/request": ({ invokeId, turn }, state) => ({
    state: updateConversation(state, invokeId, (c) => ({ ...c, turn, streamed: emptyStream })),
  }),
  "llm/delta": ({ invokeId, kind, text }, state) => ({
    state: updateConversation(state, invokeId, (c) => ({ ...c, streamed: { ...c.streamed, [kind]: c.streamed[kind] + text } })),
  }),
  "llm/response": ({ invokeId }, state) => ({
    state: updateConversation(state, invokeId, (c) => ({ ...c, streamed: emptyStream })),
  }),
};

const debugTo = (state: SequencerState, debug: DebugState): Derived => ({
  state: { ...state, debug },
  frame: (stamp) => ({ ...head("debug", stamp), ...debug }),
});

/** The reducer of a known event; own properties only, so a row named "constructor" derives nothing. */
const reducerOf = (event: string): ((data: unknown, state: SequencerState) => Derived) | undefined =>
  Object.hasOwn(reducers, event) ? (reducers[event as EventName] as (data: unknown, state: SequencerState) => Derived) : undefined;

const reduce = (row: TranscriptRow, state: SequencerState): Derived => {
  const reducer = reducerOf(row.event);
  if (!reducer) return { state };
  // A row whose data does not validate still travels as an event frame; it just derives nothing.
  const checked = validateEventData(row.event, row.data);
  return checked.ok ? reducer(checked.data, state) : { state };
};

/**
 * The stream frames of one row (its `event` frame, then at most one derived frame) and the next
 * state. Pure: the same rows from the same state always give the same frames.
 */
export const framesFromRow = (row: TranscriptRow, state: SequencerState): SequencerStep => {
  const event: EventFrame = { v: PROTOCOL_MAJOR, kind: "event", seq: state.seq + 1, row };
  const derived = reduce(row, state);
  const frames: StreamFrame[] = [event];
  let seq = event.seq;
  if (derived.frame) {
    seq += 1;
    frames.push(derived.frame({ v: PROTOCOL_MAJOR, seq, rowSeq: row.seq }));
  }
  return { frames, state: { ...derived.state, seq, rowSeq: row.seq } };
};

/** Everything a renderer joining now needs; stream frames continue at `seq + 1`. */
export const snapshotFrame = (state: SequencerState): SnapshotFrame => ({
  v: PROTOCOL_MAJOR,
  kind: "snapshot",
  seq: state.seq,
  rowSeq: state.rowSeq,
  ...(state.phase ? { phase: state.phase } : {}),
  prompts: [...state.prompts.values()],
  debug: state.debug,
  conversations: [...state.conversations.values()],
  ...(state.finished ? { finished: state.finished } : {}),
  ...(state.children?.size ? { children: [...state.children.values()] } : {}),
});

/**
 * The events whose rows can derive a frame or change what a later frame depends on (the phase an
 * `event-processed` row compares against, the debug state a `debug` frame carries). Every other
 * row, known or not, yields just its own event frame and only moves the seq: a replay may pass
 * such a row's text through without parsing it (see the core's replay/plain-row-line.ts).
 */
export const frameEvents: ReadonlySet<string> = new Set<EventName>([
  "runner/start-config",
  "runner/event-processed",
  "runner/done",
  "human-input/requested",
  "human-input/answered",
  "human-input/cancelled",
  "debug/paused",
  "debug/resumed",
  "debug/step",
  "debug/mode",
]);

/** Stream frames only, for a replay that never asks for a snapshot. */
export interface FramesOnlySequencer {
  /** The stream frames of the next row, seq assigned: the same as `framesFromRow` gives. */
  push(row: TranscriptRow): StreamFrame[];
}

/**
 * The frames of `framesFromRow` folded over the rows, without the snapshot state: rows outside
 * `frameEvents` (deltas, requests, responses, conversations, tool calls...) are neither validated
 * nor reduced, since no frame depends on what they change. A property test holds it to the fold.
 */
export const createFramesOnlySequencer = (): FramesOnlySequencer => {
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
  };
};

export interface FrameSequencer {
  /** The stream frames of the next row, seq assigned. */
  push(row: TranscriptRow): StreamFrame[];
  snapshot(): SnapshotFrame;
  readonly state: SequencerState;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * `llm/delta` data as its JSON Schema has it (an object with a non-empty `invokeId`, an integer
 * `turn` >= 1, `kind` "text" or "thinking" and a string `text`; more fields allowed). A hand-made
 * twin of the compiled check for the one row kind that dominates a transcript; a test holds the
 * two to the same answer.
 */
export const isDeltaData = (data: unknown): data is EventDataMap["llm/delta"] => {
  if (typeof data !== "object" || data === null || Array.isArray(data)) return false;
  const { invokeId, turn, kind, text } = data as Record<string, unknown>;
  return (
    typeof invokeId === "string" &&
    invokeId.length > 0 &&
    typeof turn === "number" &&
    Number.isInteger(turn) &&
    turn >= 1 &&
    turn <= MAX_SAFE &&
    (kind === "text" || kind === "thinking") &&
    typeof text === "string"
  );
};

/**
 * A stateful `framesFromRow` for a live run or a replay: the same frames and, whenever `state` is
 * read, the same state as folding `framesFromRow` over the rows.
 *
 * The fast path: most rows change nothing but the seqs (an event no reducer knows) or only append
 * to a live conversation's streamed text (`llm/delta`), and neither derives a frame. Those are
 * handled in place, without validating through ajv or copying the state; the pending changes are
 * folded into an immutable state the next time it is needed (another row kind, or a read of
 * `state`). Every other row goes through `framesFromRow` itself.
 */
export const createFrameSequencer = (initial: SequencerState = initialSequencerState): FrameSequencer => {
  /** The state as of the last settle; never mutated. */
  let base = initial;
  let seq = initial.seq;
  let rowSeq = initial.rowSeq;
  /** Changed since `base` (seqs, pending streamed text). */
  let dirty = false;
  /** Private copies of `streamed`, per conversation, holding the deltas since `base`. */
  let pending: Map<string, Record<string, string>> | undefined;

  const settle = (): SequencerState => {
    if (!dirty) return base;
    let conversations = base.conversations;
    if (pending) {
      const next = new Map(conversations);
      for (const [invokeId, streamed] of pending) {
        next.set(invokeId, { ...(conversations.get(invokeId) as Conversation), streamed: streamed as unknown as Conversation["streamed"] });
      }
      conversations = next;
      pending = undefined;
    }
    base = { ...base, conversations, seq, rowSeq };
    dirty = false;
    return base;
  };

  return {
    push(row) {
      const event = row.event;
      const delta = event === "llm/delta";
      if (delta || !Object.hasOwn(reducers, event)) {
        if (delta) {
          const data = row.data;
          if (isDeltaData(data)) {
            const conversation = base.conversations.get(data.invokeId);
            if (conversation) {
              pending ??= new Map();
              let streamed = pending.get(data.invokeId);
              if (!streamed) pending.set(data.invokeId, (streamed = { ...conversation.streamed }));
              streamed[data.kind] = streamed[data.kind] + data.text;
            }
          }
        }
        seq += 1;
        rowSeq = row.seq;
        dirty = true;
        return [{ v: PROTOCOL_MAJOR, kind: "event", seq, row }];
      }
      const step = framesFromRow(row, settle());
      base = step.state;
      seq = base.seq;
      rowSeq = base.rowSeq;
      return step.frames;
    },
    snapshot: () => snapshotFrame(settle()),
    get state() {
      return settle();
    },
  };
};
