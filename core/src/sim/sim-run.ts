/**
 * One simulated run: the chart through `run()` (an ordinary session: transcript, checkpoints,
 * cassette) with the simulated model and human, watched by an xstate inspector that records the
 * states and transitions it reaches and checks the chart's invariants after every event. A
 * violation stops the run at once.
 */
import type { AnyActorRef, AnyMachineSnapshot, InspectionEvent } from "xstate";
import type { Arbitrary, Value } from "fast-check";
import type { ChartDefinition, ChartProperty, ChartView } from "../engine/index.js";
import type { PromptAnswer } from "../human/index.js";
import { run, type RunOutcome } from "../lib/index.js";
import { activeStates } from "../runtime/active-states.js";
import type { SessionStore } from "../store/index.js";
import type { ToolRegistry } from "../tools/index.js";
import { transitionLabel } from "./chart-graph.js";
import { DecisionSource, type Decision } from "./decisions.js";
import type { PayloadArbitraries } from "./payload-arbitraries.js";
import { SimulatedHuman } from "./sim-human.js";
import { SimulatedModel, type Choice } from "./sim-model.js";

/** Why a simulated run failed. */
export type FailureKind = "invariant" | "final" | "error" | "wedged" | "budget" | "loop" | "too-long" | "timeout" | "ungenerable";

export interface SimFailure {
  kind: FailureKind;
  message: string;
  /** The invariant or final expectation that failed. */
  property?: string;
}

/** An event the chart processed: its type and its data (without the conversation's `invokeId` and the io pointers `ref`, `snippet`). */
export interface SimEvent {
  type: string;
  data?: Record<string, unknown>;
}

export interface SimRunResult {
  seed: number;
  status: RunOutcome["status"];
  failure?: SimFailure;
  events: SimEvent[];
  states: Set<string>;
  transitions: Set<string>;
  finalStates: string[];
  decisions: Decision[];
  sessionDir: string;
  sessionId: string;
}

/** What every run of one exploration shares. */
export interface SimSetup {
  chart: ChartDefinition;
  payloads: PayloadArbitraries;
  input?: unknown;
  /** Real tools the model may call, by name. */
  realTools?: readonly string[];
  replies?: boolean;
  cancelWeight?: number;
  /** Events after which a run stops as `too-long` (default 500). */
  maxEvents?: number;
  /** Wall time after which a run stops as `timeout` (default 10 s). */
  runTimeoutMs?: number;
  /** The wedge guard of each run (default 10 ms x 3: the simulated model answers at once). */
  wedge?: { intervalMs: number; cycles: number };
  /** The real tools of every run (the built-ins and the chart's), registered once. */
  tools: ToolRegistry;
  modelCache: Map<string, Arbitrary<Choice>>;
  humanCache: Map<string, Arbitrary<PromptAnswer>>;
}

export interface SimRunOptions {
  seed: number;
  /** Where the run's session goes: a directory, or a store (a memory store writes no files). */
  sessionDir?: string;
  store?: SessionStore;
  overrides?: ReadonlyMap<string, Value<unknown>>;
}

const DEFAULT_MAX_EVENTS = 500;
const DEFAULT_RUN_TIMEOUT_MS = 10_000;
const DEFAULT_WEDGE = { intervalMs: 10, cycles: 3 };

/** Events of the runtime itself that tell nothing about the path (the actor's start). */
const quiet = new Set(["xstate.init", "xstate.stop"]);

export async function simRun(setup: SimSetup, options: SimRunOptions): Promise<SimRunResult> {
  const { chart } = setup;
  const decisions = new DecisionSource(options.seed, options.overrides);
  const realTools = setup.tools.pick([...(setup.realTools ?? [])]);
  const model = new SimulatedModel({
    decisions,
    payloads: setup.payloads,
    realTools,
    ...(setup.replies ? { replies: true } : {}),
    cache: setup.modelCache,
    onUngenerable: (error) => watch.fail({ kind: "ungenerable", message: error.message }),
  });
  const human = new SimulatedHuman({ decisions, cache: setup.humanCache, ...(setup.cancelWeight === undefined ? {} : { cancelWeight: setup.cancelWeight }) });
  const stop = new AbortController();
  const watch = new RunWatch(chart, setup.maxEvents ?? DEFAULT_MAX_EVENTS, (failure) => {
    watch.failure ??= failure;
    stop.abort(new Error(failure.message));
  });
  const timer = setTimeout(
    () => watch.fail({ kind: "timeout", message: `no end after ${setup.runTimeoutMs ?? DEFAULT_RUN_TIMEOUT_MS} ms` }),
    setup.runTimeoutMs ?? DEFAULT_RUN_TIMEOUT_MS,
  );
  let outcome: RunOutcome;
  try {
    outcome = await run({
      chart,
      model,
      human,
      tools: setup.tools,
      ...(options.store ? { store: options.store } : { sessionDir: options.sessionDir }),
      signal: stop.signal,
      inspect: (event) => watch.inspect(event),
      wedge: setup.wedge ?? DEFAULT_WEDGE,
      // No real tool can run: nothing needs the sandbox probe.
      ...(realTools.length === 0 ? { sandbox: "off" as const } : {}),
      ...(setup.input === undefined ? {} : { input: setup.input }),
    });
  } finally {
    clearTimeout(timer);
  }
  const failure = watch.failure ?? watch.finalFailure(outcome) ?? failureOf(outcome, watch.events);
  return {
    seed: options.seed,
    status: outcome.status,
    ...(failure ? { failure } : {}),
    events: watch.events,
    states: watch.states,
    transitions: watch.transitions,
    finalStates: outcome.finalConfig,
    decisions: decisions.taken,
    sessionDir: outcome.sessionDir,
    sessionId: outcome.sessionId,
  };
}

/** The inspector of one run: coverage, the event list, the invariants. */
class RunWatch {
  readonly events: SimEvent[] = [];
  readonly states = new Set<string>();
  readonly transitions = new Set<string>();
  failure: SimFailure | undefined;
  #last: ChartView | undefined;
  readonly #chart: ChartDefinition;
  readonly #maxEvents: number;
  readonly #onFailure: (failure: SimFailure) => void;
  #root: AnyActorRef | undefined;

  constructor(chart: ChartDefinition, maxEvents: number, onFailure: (failure: SimFailure) => void) {
    this.#chart = chart;
    this.#maxEvents = maxEvents;
    this.#onFailure = onFailure;
  }

  fail(failure: SimFailure): void {
    if (this.failure) return;
    this.#onFailure(failure);
  }

  inspect(event: InspectionEvent): void {
    if (this.failure) return;
    const actor = event.actorRef as AnyActorRef;
    this.#root ??= event.rootId === actor.sessionId ? actor : undefined;
    if (actor !== this.#root) return;
    if (event.type === "@xstate.microstep") {
      for (const transition of event._transitions) this.transitions.add(transitionLabel(transition));
      return;
    }
    if (event.type !== "@xstate.snapshot") return;
    const snapshot = event.snapshot as AnyMachineSnapshot;
    const states = activeStates(snapshot);
    for (const state of states) this.states.add(state);
    const { type, ...data } = event.event as { type: string; invokeId?: unknown };
    if (!quiet.has(type)) {
      for (const key of ["invokeId", "ref", "snippet"]) delete (data as Record<string, unknown>)[key];
      this.events.push(Object.keys(data).length > 0 ? { type, data } : { type });
    }
    const view: ChartView = { context: snapshot.context, states, value: snapshot.value, ...(quiet.has(type) ? {} : { event: event.event }) };
    this.#last = view;
    const broken = firstBroken(this.#chart.simulation?.invariants, view);
    if (broken) {
      this.fail({ kind: "invariant", property: broken.name, message: `invariant "${broken.name}" broken after ${type}: ${broken.why}` });
    } else if (this.events.length > this.#maxEvents) {
      this.fail({ kind: "too-long", message: `no final state after ${this.#maxEvents} events` });
    }
  }

  /** The final expectations, on a run that reached a final state. */
  finalFailure(outcome: RunOutcome): SimFailure | undefined {
    if (outcome.status !== "done" || !this.#last) return undefined;
    const broken = firstBroken(this.#chart.simulation?.final, this.#last);
    return (
      broken && {
        kind: "final",
        property: broken.name,
        message: `final expectation "${broken.name}" not met in [${outcome.finalConfig.join(", ")}]: ${broken.why}`,
      }
    );
  }
}

function firstBroken(properties: Record<string, ChartProperty> | undefined, view: ChartView): { name: string; why: string } | undefined {
  for (const [name, property] of Object.entries(properties ?? {})) {
    let verdict: unknown;
    try {
      verdict = property(view);
    } catch (error) {
      return { name, why: `threw ${(error as Error)?.message ?? String(error)}` };
    }
    if (verdict === false) return { name, why: "returned false" };
    if (typeof verdict === "string") return { name, why: verdict };
  }
  return undefined;
}

/** A run that ended in error, classified by what stopped it. */
function failureOf(outcome: RunOutcome, events: readonly SimEvent[]): SimFailure | undefined {
  if (outcome.status === "done") return undefined;
  const error = outcome.error ?? { category: outcome.status, message: `the run ended ${outcome.status}` };
  const message = `${error.category}: ${error.message}`;
  if (error.category === "wedged") {
    const budget = events.find((event) => event.type === "error.llm.max-turns");
    return budget ? { kind: "budget", message: `${message} (after ${budget.type})` } : { kind: "wedged", message };
  }
  if (error.category === "loop-detected") return { kind: "loop", message };
  if (error.category === "max-turns") return { kind: "budget", message };
  return { kind: "error", message };
}
