/**
 * The loop of `--loop N` steps (default 3,000) in LangGraph.js beside Escapement: the same
 * counting loop as the ping-pong chart (one state, one step per turn, a counter in the state), as
 * a LangGraph `StateGraph` whose node loops to itself until the counter reaches N, compiled with
 * its in-memory checkpointer (`MemorySaver`: a checkpoint per superstep, kept in memory). Escapement
 * runs the ping-pong chart with `runChart`, writing its transcript and a checkpoint per flush to
 * disk. LangGraph is a dev dependency of the benches only.
 */
import { Annotation, END, MemorySaver, START, StateGraph } from "@langchain/langgraph";
import { join } from "node:path";
import { bareThroughput, runnerThroughput, type PingPongMode } from "./ping-pong.js";

export interface LoopResult {
  steps: number;
  ms: number;
  stepsPerSec: number;
}

const LoopState = Annotation.Root({ n: Annotation<number>(), max: Annotation<number>() });

const loopGraph = () =>
  new StateGraph(LoopState)
    .addNode("ping", (state) => ({ n: state.n + 1 }))
    .addEdge(START, "ping")
    .addConditionalEdges("ping", (state) => (state.n >= state.max ? END : "ping"))
    .compile({ checkpointer: new MemorySaver() });

const loopResult = (steps: number, ms: number): LoopResult => ({ steps, ms, stepsPerSec: steps / (ms / 1000) });

/** `steps` supersteps of the loop graph, one checkpoint each, on a fresh thread. */
export async function langGraphLoop(steps: number, thread: string): Promise<LoopResult> {
  const graph = loopGraph();
  const started = performance.now();
  const final = await graph.invoke({ n: 0, max: steps }, { configurable: { thread_id: thread }, recursionLimit: steps + 10 });
  const ms = performance.now() - started;
  if (final.n !== steps) throw new Error(`LangGraph loop counted ${final.n}, expected ${steps}`);
  return loopResult(steps, ms);
}

/** The same loop in Escapement: the ping-pong chart through runChart (transcript and checkpoints on disk). */
export async function escapementLoop(steps: number, mode: PingPongMode, sessionDir: string): Promise<LoopResult> {
  return loopResult(steps, (await runnerThroughput(mode, steps, sessionDir)).ms);
}

/**
 * The same loop on a bare xstate actor (no transcript, no checkpoint): the floor of any runner
 * built on xstate, so a reader sees how much of the gap to a target is the runner's.
 */
export async function bareLoop(steps: number, mode: PingPongMode): Promise<LoopResult> {
  return loopResult(steps, (await bareThroughput(mode, steps)).ms);
}

export interface LoopComparison {
  steps: number;
  langGraph: LoopResult;
  escapement: Record<PingPongMode, LoopResult>;
  bare: Record<PingPongMode, LoopResult>;
}

const median = (results: LoopResult[]): LoopResult => [...results].sort((a, b) => a.ms - b.ms)[Math.floor(results.length / 2)]!;

/** Rounds of the loop each implementation runs before the measured ones, not counted. */
export const LOOP_WARM_UP_ROUNDS = 2;

/**
 * Warm-up, then `repeat` rounds alternating the five (LangGraph.js, runChart and bare xstate in
 * both modes), medians. Each implementation first runs the whole loop LOOP_WARM_UP_ROUNDS times:
 * a loop this short is over in tens of milliseconds, so a cold run would time the JIT compiling
 * the code, not the code (as in a process that has run loops before).
 */
export async function compareLoops(steps: number, repeat: number, root: string): Promise<LoopComparison> {
  let dirs = 0;
  for (let round = 0; round < LOOP_WARM_UP_ROUNDS; round++) {
    await langGraphLoop(steps, `warm-${round}`);
    await escapementLoop(steps, "burst", join(root, `loop-warm-${dirs++}`));
    await escapementLoop(steps, "tick", join(root, `loop-warm-${dirs++}`));
    await bareLoop(steps, "burst");
    await bareLoop(steps, "tick");
  }
  const lang: LoopResult[] = [];
  const burst: LoopResult[] = [];
  const tick: LoopResult[] = [];
  const bareBurst: LoopResult[] = [];
  const bareTick: LoopResult[] = [];
  for (let round = 0; round < repeat; round++) {
    lang.push(await langGraphLoop(steps, `round-${round}`));
    burst.push(await escapementLoop(steps, "burst", join(root, `loop-${dirs++}`)));
    tick.push(await escapementLoop(steps, "tick", join(root, `loop-${dirs++}`)));
    bareBurst.push(await bareLoop(steps, "burst"));
    bareTick.push(await bareLoop(steps, "tick"));
  }
  return {
    steps,
    langGraph: median(lang),
    escapement: { burst: median(burst), tick: median(tick) },
    bare: { burst: median(bareBurst), tick: median(bareTick) },
  };
}
