/**
 * `createFrameSequencer` takes a fast path for rows that only move the seqs or append streamed
 * text. These properties hold it to the pure fold of `framesFromRow`: the same frames for every
 * row, and the same state whenever it is read (reading it or not changes nothing after).
 */
import { describe, expect, it } from "vitest";
import {
  createFrameSequencer,
  createFramesOnlySequencer,
  framesFromRow,
  initialSequencerState,
  isDeltaData,
  snapshotFrame,
  validateEventData,
  type SequencerState,
  type StreamFrame,
  type TranscriptRow,
} from "../src/index.js";
import { sampleRows } from "../scripts/sample-session.js";

/** Deterministic PRNG (mulberry32). */
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

type Rand = ReturnType<typeof prng>;
const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;

/** State as plain JSON with Map entries in order, so key and entry order count too. */
const plain = (state: SequencerState): string => JSON.stringify({ ...state, prompts: [...state.prompts], conversations: [...state.conversations] });

const ids = ["c-1", "c-2", "c-3"];
const configs = [["flow", "flow.a"], ["flow", "flow.b"], ["flow", "flow.a"], ["other"]];

/** Valid and invalid `llm/delta` data, including the edges of each field's schema. */
const deltaData = (rand: Rand): unknown => {
  const valid = {
    invokeId: pick(rand, ids),
    turn: 1 + Math.floor(rand() * 3),
    kind: pick(rand, ["text", "thinking"]),
    text: pick(rand, ["a", "bc", "", "é\n"]),
  };
  if (rand() < 0.75) return rand() < 0.2 ? { ...valid, extra: [1] } : valid;
  const broken: Record<string, unknown> = { ...valid };
  const field = pick(rand, ["invokeId", "turn", "kind", "text"]);
  const value = pick(rand, [undefined, null, "", 0, -1, 1.5, 2 ** 53, 2 ** 53 - 1, Number.NaN, "1", "TEXT", "text ", [], {}, true, 1e400]);
  if (value === undefined) delete broken[field];
  else broken[field] = value;
  return pick(rand, [broken, broken, broken, null, [valid], "text", 7]);
};

const randomRow = (rand: Rand): [string, unknown] => {
  const invokeId = pick(rand, ids);
  const promptId = pick(rand, ["p-1", "p-2"]);
  const choices: (() => [string, unknown])[] = [
    () => ["llm/delta", deltaData(rand)],
    () => ["llm/delta", deltaData(rand)],
    () => ["llm/delta", deltaData(rand)],
    () => ["llm/delta", deltaData(rand)],
    () => [
      pick(rand, ["llm/tool-call", "planner/replanned", "checkpoint/written", "constructor", "toString", "__proto__", "hasOwnProperty"]),
      { anything: rand() },
    ],
    () => ["llm/conversation-started", rand() < 0.9 ? { invokeId, stateId: "flow.a", model: "smart" } : { invokeId }],
    () => ["llm/conversation-ended", { invokeId, stateId: "flow.a", reason: "exit" }],
    () => [
      "llm/request",
      { invokeId, stateId: "flow.a", turn: 1 + Math.floor(rand() * 3), model: "smart", messageCount: 1, tools: [], ref: "io/1", snippet: "hi" },
    ],
    () => [
      "llm/response",
      {
        invokeId,
        stateId: "flow.a",
        turn: 1,
        target: "x:y",
        stopReason: "end_turn",
        usage: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0 },
        elapsedMs: 3,
        ref: "io/2",
        snippet: "ok",
      },
    ],
    () => ["runner/start-config", { config: pick(rand, configs) }],
    () => {
      const before = pick(rand, configs);
      const after = pick(rand, configs);
      const moved = rand() < 0.3;
      return ["runner/event-processed", { event: "GO", before, after, entered: moved ? [after[1] ?? "x"] : [], exited: [] }];
    },
    () => ["human-input/requested", { promptId, invokeId: "ask", kind: "confirm", message: "Go?", schema: { type: "boolean" } }],
    () => ["human-input/progress", { promptId, value: 1, total: 2 }],
    () => ["human-input/answered", { promptId, value: rand() < 0.5 }],
    () => ["human-input/cancelled", { promptId }],
    () => ["debug/paused", { reason: "user" }],
    () => ["debug/resumed", {}],
    () => ["debug/step", { n: 2 }],
    () => ["debug/mode", { mode: pick(rand, ["run", "step", "armed"]) }],
    () => ["runner/started", { sessionId: "s", runId: `r-${Math.floor(rand() * 3)}`, chartId: "flow", resumed: false }],
    () => ["runner/done", { finalConfig: ["flow"], status: "done" }],
  ];
  return pick(rand, choices)();
};

const randomTranscript = (rand: Rand, length: number): TranscriptRow[] =>
  Array.from({ length }, (_, i) => {
    const [event, data] = randomRow(rand);
    return { seq: i + 1, ts: 1_760_000_000_000 + i, event, data };
  });

/** Pushes every row through the fast sequencer and the pure fold side by side, reading `state` at random. */
const holdsToPure = (rows: readonly TranscriptRow[], rand: Rand, readEvery: number): void => {
  const fast = createFrameSequencer();
  let pure = initialSequencerState;
  const fastFrames: StreamFrame[] = [];
  const pureFrames: StreamFrame[] = [];
  for (const row of rows) {
    fastFrames.push(...fast.push(row));
    const step = framesFromRow(row, pure);
    pure = step.state;
    pureFrames.push(...step.frames);
    if (rand() < readEvery) {
      expect(plain(fast.state)).toBe(plain(pure));
      expect(JSON.stringify(fast.snapshot())).toBe(JSON.stringify(snapshotFrame(pure)));
    }
  }
  expect(JSON.stringify(fastFrames)).toBe(JSON.stringify(pureFrames));
  expect(plain(fast.state)).toBe(plain(pure));
};

describe("createFrameSequencer fast path = the pure fold of framesFromRow", () => {
  it("on the sample session (a real run's rows)", () => {
    const rand = prng(1);
    for (const readEvery of [0, 0.3, 1]) holdsToPure(sampleRows(), rand, readEvery);
  });

  it("on 300 random transcripts (valid and broken delta data, odd event names, state read at random)", () => {
    const rand = prng(42);
    for (let i = 0; i < 300; i++) holdsToPure(randomTranscript(rand, 20 + Math.floor(rand() * 200)), rand, pick(rand, [0, 0.05, 0.5, 1]));
  });

  it("from a non-initial state", () => {
    const rand = prng(7);
    const rows = randomTranscript(rand, 400);
    let start = initialSequencerState;
    for (const row of rows.slice(0, 200)) start = framesFromRow(row, start).state;
    const fast = createFrameSequencer(start);
    let pure = start;
    for (const row of rows.slice(200)) {
      const step = framesFromRow(row, pure);
      pure = step.state;
      expect(fast.push(row)).toEqual(step.frames);
    }
    expect(plain(fast.state)).toBe(plain(pure));
  });

  it("isDeltaData agrees with the schema's own check", () => {
    const rand = prng(3);
    for (let i = 0; i < 5000; i++) {
      const data = deltaData(rand);
      expect(isDeltaData(data), JSON.stringify(data)).toBe(validateEventData("llm/delta", data).ok);
    }
  });
});

describe("createFramesOnlySequencer = the frames of the pure fold", () => {
  const holds = (rows: readonly TranscriptRow[]): void => {
    const only = createFramesOnlySequencer();
    let pure = initialSequencerState;
    for (const row of rows) {
      const step = framesFromRow(row, pure);
      pure = step.state;
      expect(JSON.stringify(only.push(row))).toBe(JSON.stringify(step.frames));
    }
  };

  it("on the sample session", () => holds(sampleRows()));

  it("on 300 random transcripts", () => {
    const rand = prng(99);
    for (let i = 0; i < 300; i++) holds(randomTranscript(rand, 20 + Math.floor(rand() * 200)));
  });
});
