/**
 * Exploration: many simulated runs of one chart (run `i` with seed `seed + i`, a few at a time),
 * the states and transitions they reached and missed, and each distinct failure shrunk to the
 * shortest run found that fails the same way.
 *
 * Where sessions go: every exploration run is an ordinary session, written to a memory store of
 * its own (fleet children with it) and dropped as soon as the run has been read; a failure's
 * shrunk run is run once more into `sessionsRoot`, where it stays, so `escapement open` shows it
 * and `--replay` replays it. Without `sessionsRoot` nothing is kept.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AnyStateMachine } from "xstate";
import type { Value } from "fast-check";
import { cassetteVersion } from "../llm/cassette/index.js";
import { randomIds } from "../runtime/index.js";
import { memoryStore } from "../store/index.js";
import { createDefaultRegistry, type ToolRegistry } from "../tools/index.js";
import type { ChartDefinition, ChartSimulation } from "../engine/index.js";
import { isStateMachine } from "../lib/options.js";
import { chartGraph, childCharts, type ChartGraph } from "./chart-graph.js";
import { PayloadArbitraries } from "./payload-arbitraries.js";
import { failureSignature, shrinkRun } from "./shrink.js";
import { simRun, type FailureKind, type SimEvent, type SimRunResult, type SimSetup } from "./sim-run.js";

export interface ExploreOptions {
  /** Runs to make (default 100). */
  runs?: number;
  /** Stop starting runs after this many milliseconds (default: no limit). */
  timeMs?: number;
  /** The first run's seed; run `i` has seed `seed + i` (default 1). */
  seed?: number;
  /** Runs at once (default 8). */
  concurrency?: number;
  /** The chart's input, for every run. */
  input?: unknown;
  /**
   * Payload generators by event name, over the chart's own `simulation.arbitraries` (and its child
   * charts'): what a test gives where the chart gives none.
   */
  arbitraries?: ChartSimulation["arbitraries"];
  /** Real tools the simulated model may call, by name (default none: only event tools and replies). */
  realTools?: readonly string[];
  /** Let the model reply without a tool call even when tools are offered (default false). */
  replies?: boolean;
  /**
   * Weight of sending an event the chart would refuse now (a guard that fails) against a redraw's
   * 19 (default 1: about one such turn in twenty; 0: the model sends only events the chart takes).
   */
  illegalWeight?: number;
  /**
   * Weight of the model answering only after the next pending timer fired (a timeout beside a
   * conversation) against answering in time's 9 (default 1; 0: a timer fires only when the run is
   * quiet). Drawn only while a timer is pending.
   */
  lateWeight?: number;
  /** Weight of a cancel against an answer's 9 for each prompt (default 1; 0: the human never cancels). */
  cancelWeight?: number;
  /** Events after which a run counts as `too-long` (default 500). */
  maxEvents?: number;
  /** Wall time after which one run counts as `timeout` (default 10000 ms). */
  runTimeoutMs?: number;
  /** Shrink each distinct failure (default true), with at most this many runs each (default 200). */
  shrink?: boolean;
  shrinkRuns?: number;
  /** Keep each failure's shrunk run as a session here (see above). Default: nothing kept. */
  sessionsRoot?: string;
  /** Keep every run's session in `sessionsRoot` (for a few runs: `escapement sim --runs 1`). Default false. */
  keepAll?: boolean;
  /** Told after each run (for progress). */
  onRun?: (result: SimRunResult, index: number) => void;
}

export interface ExploreFailure {
  kind: FailureKind;
  message: string;
  property?: string;
  /** The fleet child session it failed in (its session id and chart), for a child chart's invariant or final expectation. */
  child?: { sessionId: string; chartId: string };
  /** The seed of the first run that failed this way (`escapement sim --seed <seed> --runs 1` makes it again). */
  seed: number;
  /** How many runs failed this way. */
  count: number;
  /** The events of the shortest failing run found, in order. */
  events: SimEvent[];
  /** Events of the first failing run, before shrinking. */
  originalLength: number;
  /** Runs the shrinker made. */
  shrinkRuns: number;
  /** The session of the shrunk run, when `sessionsRoot` was given. */
  sessionDir?: string;
  sessionId?: string;
}

export interface ExploreReport {
  chartId: string;
  seed: number;
  runs: number;
  elapsedMs: number;
  /** Runs by how they ended: done, or the failure kind. */
  outcomes: Record<string, number>;
  states: { reached: string[]; missed: string[] };
  transitions: { reached: string[]; missed: string[] };
  /** The sessions of the runs kept whole (`keepAll`), by seed order. */
  kept?: { seed: number; sessionDir: string; sessionId: string }[];
  /** The same for each chart the chart's fleets run as child sessions (and theirs), in the order the chart declares them. */
  children: ChildCoverage[];
  failures: ExploreFailure[];
}

export interface ChildCoverage {
  chartId: string;
  /** Child sessions of this chart the runs started. */
  sessions: number;
  states: { reached: string[]; missed: string[] };
  transitions: { reached: string[]; missed: string[] };
}

const asDefinition = (chart: ChartDefinition | AnyStateMachine): ChartDefinition => (isStateMachine(chart) ? { id: chart.id, machine: chart } : chart);

/** The setup every run of an exploration shares (arbitraries built once). */
export function simSetup(chart: ChartDefinition | AnyStateMachine, options: ExploreOptions = {}): SimSetup {
  const definition = asDefinition(chart);
  const children = childCharts(definition.machine);
  // A child chart's events are its own (fleets run charts of their own): its generators apply to them.
  const arbitraries = Object.assign({}, ...children.map((child) => child.simulation?.arbitraries), definition.simulation?.arbitraries, options.arbitraries);
  return {
    chart: definition,
    payloads: new PayloadArbitraries(arbitraries),
    ...(options.input === undefined ? {} : { input: options.input }),
    ...(options.realTools ? { realTools: options.realTools } : {}),
    ...(options.replies ? { replies: true } : {}),
    ...(options.illegalWeight === undefined ? {} : { illegalWeight: options.illegalWeight }),
    ...(options.lateWeight === undefined ? {} : { lateWeight: options.lateWeight }),
    children: new Map(children.map((child) => [child.machine, child])),
    ...(options.cancelWeight === undefined ? {} : { cancelWeight: options.cancelWeight }),
    ...(options.maxEvents === undefined ? {} : { maxEvents: options.maxEvents }),
    ...(options.runTimeoutMs === undefined ? {} : { runTimeoutMs: options.runTimeoutMs }),
    tools: registryOf(definition),
    modelCache: new Map(),
    humanCache: new Map(),
  };
}

function registryOf(chart: ChartDefinition): ToolRegistry {
  const registry = createDefaultRegistry();
  for (const tool of chart.tools ?? []) registry.register(tool);
  return registry;
}

export async function exploreChart(chart: ChartDefinition | AnyStateMachine, options: ExploreOptions = {}): Promise<ExploreReport> {
  const setup = simSetup(chart, options);
  const graph = chartGraph(setup.chart.machine);
  const seed = options.seed ?? 1;
  const runs = options.runs ?? 100;
  const started = performance.now();
  const keptRuns: { seed: number; sessionDir: string; sessionId: string }[] = [];
  const scratchRun = async (runSeed: number, overrides?: ReadonlyMap<string, Value<unknown>>): Promise<SimRunResult> => {
    const keep = options.keepAll === true && options.sessionsRoot !== undefined && overrides === undefined;
    if (!keep) return simRun(setup, { seed: runSeed, store: memoryStore(), ...(overrides ? { overrides } : {}) });
    const result = await simRun(setup, { seed: runSeed, sessionDir: join(options.sessionsRoot!, randomIds.sessionId(Date.now())) });
    keptRuns.push({ seed: runSeed, sessionDir: result.sessionDir, sessionId: result.sessionId });
    replayable(result, setup.chart.id);
    return result;
  };

  const outcomes: Record<string, number> = {};
  const states = new Set<string>();
  const transitions = new Set<string>();
  const children = [...(setup.children?.values() ?? [])].map((child) => ({
    chartId: child.id,
    graph: chartGraph(child.machine),
    sessions: 0,
    states: new Set<string>(),
    transitions: new Set<string>(),
  }));
  const firsts = new Map<string, { result: SimRunResult; count: number }>();
  let made = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      if (next >= runs || (options.timeMs !== undefined && performance.now() - started >= options.timeMs)) return;
      const index = next++;
      const result = await scratchRun(seed + index);
      made++;
      const outcome = result.failure?.kind ?? "done";
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      for (const state of result.states) states.add(state);
      for (const transition of result.transitions) transitions.add(transition);
      for (const child of children) {
        const reached = result.children.get(child.chartId);
        if (!reached) continue;
        for (const state of reached.states) child.states.add(state);
        for (const transition of reached.transitions) child.transitions.add(transition);
        child.sessions += reached.sessions;
      }
      const signature = failureSignature(result);
      if (signature) {
        const known = firsts.get(signature);
        // The lowest seed stands for its failure, whatever order concurrent runs finish in.
        if (!known) firsts.set(signature, { result, count: 1 });
        else {
          known.count++;
          if (result.seed < known.result.seed) known.result = result;
        }
      }
      options.onRun?.(result, index);
      // A schema that cannot be generated fails every run the same way: one is enough.
      if (result.failure?.kind === "ungenerable") next = runs;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 8) }, worker));
  const failures: ExploreFailure[] = [];
  for (const { result, count } of [...firsts.values()].sort((a, b) => a.result.seed - b.result.seed)) {
    const shrunk =
      options.shrink === false || result.failure!.kind === "ungenerable"
        ? { run: result, runs: 0 }
        : await shrinkRun(result, (overrides) => scratchRun(result.seed, overrides), {
            ...(options.shrinkRuns === undefined ? {} : { maxRuns: options.shrinkRuns }),
          });
    let kept: SimRunResult | undefined;
    if (options.sessionsRoot !== undefined && result.failure!.kind !== "ungenerable") {
      const sessionDir = join(options.sessionsRoot, randomIds.sessionId(Date.now()));
      kept = await simRun(setup, { seed: result.seed, sessionDir, overrides: new Map(shrunk.run.decisions.map((d) => [d.key, d.value])) });
      replayable(kept, setup.chart.id);
    }
    const failure = shrunk.run.failure ?? result.failure!;
    failures.push({
      kind: failure.kind,
      message: failure.message,
      ...(failure.property ? { property: failure.property } : {}),
      ...(failure.child ? { child: failure.child } : {}),
      seed: result.seed,
      count,
      events: shrunk.run.events,
      originalLength: result.events.length,
      shrinkRuns: shrunk.runs,
      ...(kept ? { sessionDir: kept.sessionDir, sessionId: kept.sessionId } : {}),
    });
  }
  return {
    chartId: setup.chart.id,
    seed,
    runs: made,
    elapsedMs: performance.now() - started,
    outcomes,
    ...coverageOf(graph, states, transitions),
    ...(keptRuns.length > 0 ? { kept: keptRuns.sort((a, b) => a.seed - b.seed) } : {}),
    children: children.map((child) => ({ chartId: child.chartId, sessions: child.sessions, ...coverageOf(child.graph, child.states, child.transitions) })),
    failures,
  };
}

/**
 * A kept session `--replay` can open: a run that made no model call (only prompts) has no
 * cassette yet, so it gets one with its header and no call.
 */
function replayable(result: SimRunResult, chartId: string): void {
  const path = join(result.sessionDir, "cassette.jsonl");
  if (existsSync(path) || !existsSync(result.sessionDir)) return;
  writeFileSync(path, `${JSON.stringify({ kind: "cassette", version: cassetteVersion, chartId, sessionId: result.sessionId, createdAt: Date.now() })}\n`);
}

/** What of `graph` was reached, and what never was, in the graph's order. */
function coverageOf(graph: ChartGraph, states: ReadonlySet<string>, transitions: ReadonlySet<string>): Pick<ExploreReport, "states" | "transitions"> {
  return {
    states: { reached: graph.states.filter((state) => states.has(state)), missed: graph.states.filter((state) => !states.has(state)) },
    transitions: {
      reached: graph.transitions.filter((transition) => transitions.has(transition)),
      missed: graph.transitions.filter((transition) => !transitions.has(transition)),
    },
  };
}

/** A run that failed only because its store keeps no directories (a fleet's child sessions need one). */
