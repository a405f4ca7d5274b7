/**
 * One simulated run: the chart through `run()` (an ordinary session: transcript, checkpoints,
 * cassette) with the simulated model and human, watched by an xstate inspector that records the
 * states and transitions it reaches and checks the chart's invariants after every event. A
 * violation stops the run at once.
 */
import type { AnyActorRef, AnyMachineSnapshot, AnyStateMachine, InspectionEvent } from "xstate";
import fc, { type Arbitrary, type Value } from "fast-check";
import { runServicesOf, type ChartDefinition, type ChartProperty, type ChartView } from "../engine/index.js";
import type { PromptAnswer } from "../human/index.js";
import type { ModelRequest } from "../llm/index.js";
import { run, type RunOutcome } from "../lib/index.js";
import { activeStates } from "../runtime/active-states.js";
import type { SessionStore } from "../store/index.js";
import { ToolRegistry, type Tool } from "../tools/index.js";
import { transitionLabel } from "./chart-graph.js";
import { DecisionSource, type Decision } from "./decisions.js";
import type { PayloadArbitraries } from "./payload-arbitraries.js";
import { SimulatedHuman } from "./sim-human.js";
import { SimulatedClock } from "./sim-clock.js";
import { requestFingerprint, SimulatedModel, type Choice } from "./sim-model.js";

/** Why a simulated run failed. */
export type FailureKind = "invariant" | "final" | "error" | "wedged" | "budget" | "loop" | "too-long" | "timeout" | "ungenerable";

export interface SimFailure {
  kind: FailureKind;
  message: string;
  /** The invariant or final expectation that failed (`<chart id>: <name>` for a child chart's). */
  property?: string;
  /** The child session it failed in, when a fleet's child chart broke a property. */
  child?: { sessionId: string; chartId: string };
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
  /** The events the chart processed; for a child chart's broken property, that child session's (the failure's sequence). */
  events: SimEvent[];
  states: Set<string>;
  transitions: Set<string>;
  finalStates: string[];
  /** The states and transitions the fleets' child charts reached in this run, by chart id. */
  children: Map<string, Coverage>;
  decisions: Decision[];
  sessionDir: string;
  sessionId: string;
}

/** States and transitions one chart reached. */
export interface Coverage {
  states: Set<string>;
  transitions: Set<string>;
  /** Child sessions counted in (for a child chart's coverage). */
  sessions: number;
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
  /** The charts the chart's fleets run (see `childCharts`), by their machine. */
  children?: ReadonlyMap<AnyStateMachine, ChartDefinition>;
  /** Weight of an event whose guard fails, against a legal one's 19 (default 1: one turn in twenty may send one); 0: only legal events. */
  illegalWeight?: number;
  /** Weight of a model answering only after the next pending timer, against answering in time's 9 (default 1); 0: never late. */
  lateWeight?: number;
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

/** Whether the model answers only after the next timer: no first, so a shrinker moves toward answering in time. */
const lateChoice = (weight: number): Arbitrary<boolean> =>
  weight > 0 ? fc.oneof({ arbitrary: fc.constant(false), weight: 9 }, { arbitrary: fc.constant(true), weight }) : fc.constant(false);
const DEFAULT_RUN_TIMEOUT_MS = 10_000;
const DEFAULT_WEDGE = { intervalMs: 10, cycles: 3 };

/** Events of the runtime itself that tell nothing about the path (the actor's start). */
const quiet = new Set(["xstate.init", "xstate.stop"]);

export async function simRun(setup: SimSetup, options: SimRunOptions): Promise<SimRunResult> {
  const { chart } = setup;
  const decisions = new DecisionSource(options.seed, options.overrides);
  const realTools = setup.tools.pick([...(setup.realTools ?? [])]);
  // Model calls and prompts being answered: no timer of the simulated clock fires meanwhile.
  let answering = 0;
  const clock = new SimulatedClock({ start: Date.now(), busy: () => answering > 0 });
  const answered = async <T>(work: () => Promise<T>): Promise<T> => {
    answering++;
    clock.touch();
    try {
      return await work();
    } finally {
      answering--;
      clock.touch();
    }
  };
  // A real tool works in real time: while one runs, no timer fires (a tool's own timeout included).
  const busyTool = (tool: Tool): Tool => ({ ...tool, execute: (input, context) => answered(() => tool.execute(input, context)) });
  const tools = realTools.length === 0 ? setup.tools : new ToolRegistry(setup.tools.list().map((tool) => (realTools.includes(tool) ? busyTool(tool) : tool)));
  const model = new SimulatedModel({
    decisions,
    payloads: setup.payloads,
    realTools,
    ...(setup.replies ? { replies: true } : {}),
    cache: setup.modelCache,
    accepts: (request, type, payload) => watch.accepts(request, type, payload),
    viewOf: (request) => watch.viewOf(request),
    ...(setup.illegalWeight === undefined ? {} : { illegalWeight: setup.illegalWeight }),
    onUngenerable: (error) => watch.fail({ kind: "ungenerable", message: error.message }),
  });
  // Only while a timer is pending is "late" a choice, so a chart without timers draws as before.
  const late = lateChoice(setup.lateWeight ?? 1);
  const lateAnswer = async (request: ModelRequest, signal: AbortSignal): Promise<void> => {
    if (clock.pending === 0 || !decisions.draw(`late:${requestFingerprint(request)}`, late)) return;
    clock.fireNext();
    // The chart takes the timer's event; a transition out of the conversation aborts this call.
    await new Promise((resolve) => setImmediate(resolve));
    if (signal.aborted) throw signal.reason;
  };
  const human = new SimulatedHuman({ decisions, cache: setup.humanCache, ...(setup.cancelWeight === undefined ? {} : { cancelWeight: setup.cancelWeight }) });
  const stop = new AbortController();
  const watch = new RunWatch(chart, setup.children ?? new Map(), options.seed, setup.maxEvents ?? DEFAULT_MAX_EVENTS, clock, (failure) => {
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
      model: {
        assertAlias: () => model.assertAlias(),
        call: (request, callOptions) =>
          answered(async () => {
            await lateAnswer(request, callOptions.signal);
            return model.call(request, callOptions);
          }),
      },
      human: { ask: (request, signal) => answered(() => human.ask(request, signal)) },
      tools,
      ...(options.store ? { store: options.store } : { sessionDir: options.sessionDir }),
      signal: stop.signal,
      inspect: (event) => watch.inspect(event),
      wedge: setup.wedge ?? DEFAULT_WEDGE,
      clock,
      // No real tool can run: nothing needs the sandbox probe.
      ...(realTools.length === 0 ? { sandbox: "off" as const } : {}),
      ...(setup.input === undefined ? {} : { input: setup.input }),
    });
  } finally {
    clearTimeout(timer);
    clock.stop();
  }
  const failure = watch.failure ?? watch.finalFailure(outcome) ?? failureOf(outcome, watch.events);
  return {
    seed: options.seed,
    status: outcome.status,
    ...(failure ? { failure } : {}),
    events: watch.failedEvents ?? watch.events,
    states: watch.top.states,
    transitions: watch.top.transitions,
    finalStates: outcome.finalConfig,
    children: watch.children,
    decisions: decisions.taken,
    sessionDir: outcome.sessionDir,
    sessionId: outcome.sessionId,
  };
}

/** One root actor of the run: the chart's, or a fleet child's (each child session has its own). */
interface RootWatch {
  chart: ChartDefinition;
  isTop: boolean;
  coverage: Coverage;
  /** The events its chart processed (the chart's are the run's `events`). */
  events: SimEvent[];
  /** What the last snapshot showed (final expectations are checked on it). */
  last?: ChartView;
  ended: boolean;
}

/**
 * The inspector of one run (children's actors included): coverage of the chart and of its child
 * charts, the chart's event list, the invariants and final expectations of every chart, and which
 * events a conversation's chart would accept now (for the simulated model).
 */
class RunWatch {
  readonly events: SimEvent[] = [];
  readonly top: Coverage = { states: new Set(), transitions: new Set(), sessions: 1 };
  readonly children = new Map<string, Coverage>();
  failure: SimFailure | undefined;
  /** The events of the child session whose chart broke a property. */
  failedEvents: SimEvent[] | undefined;
  readonly #chart: ChartDefinition;
  readonly #childCharts: ReadonlyMap<AnyStateMachine, ChartDefinition>;
  readonly #seed: number;
  readonly #maxEvents: number;
  readonly #clock: SimulatedClock;
  readonly #onFailure: (failure: SimFailure) => void;
  readonly #roots = new Map<AnyActorRef, RootWatch>();
  #topView: ChartView | undefined;

  constructor(
    chart: ChartDefinition,
    childCharts: ReadonlyMap<AnyStateMachine, ChartDefinition>,
    seed: number,
    maxEvents: number,
    clock: SimulatedClock,
    onFailure: (failure: SimFailure) => void,
  ) {
    this.#chart = chart;
    this.#childCharts = childCharts;
    this.#seed = seed;
    this.#maxEvents = maxEvents;
    this.#clock = clock;
    this.#onFailure = onFailure;
  }

  fail(failure: SimFailure): void {
    if (this.failure) return;
    this.#onFailure(failure);
  }

  inspect(event: InspectionEvent): void {
    if (this.failure) return;
    this.#clock.touch();
    const actor = event.actorRef as AnyActorRef;
    const root = this.#roots.get(actor) ?? this.#adopt(actor, event);
    if (!root) return;
    if (event.type === "@xstate.microstep") {
      for (const transition of event._transitions) root.coverage.transitions.add(transitionLabel(transition));
      return;
    }
    if (event.type !== "@xstate.snapshot") return;
    const snapshot = event.snapshot as AnyMachineSnapshot;
    const states = activeStates(snapshot);
    for (const state of states) root.coverage.states.add(state);
    const { type, ...data } = event.event as { type: string; invokeId?: unknown };
    if (!quiet.has(type)) {
      for (const key of ["invokeId", "ref", "snippet"]) delete (data as Record<string, unknown>)[key];
      root.events.push(Object.keys(data).length > 0 ? { type, data } : { type });
    }
    const view: ChartView = { context: snapshot.context, states, value: snapshot.value, ...(quiet.has(type) ? {} : { event: event.event }) };
    root.last = view;
    if (root.isTop) this.#topView = view;
    const broken = firstBroken(root.chart.simulation?.invariants, view);
    if (broken) {
      this.fail(this.#propertyFailure(actor, root, "invariant", broken.name, `invariant "${broken.name}" broken after ${type}: ${broken.why}`));
      return;
    }
    if (!root.isTop && snapshot.status === "done" && !root.ended) {
      root.ended = true;
      const final = firstBroken(root.chart.simulation?.final, view);
      if (final) {
        this.fail(this.#propertyFailure(actor, root, "final", final.name, `final expectation "${final.name}" not met in [${states.join(", ")}]: ${final.why}`));
        return;
      }
    }
    if (root.isTop && this.events.length > this.#maxEvents) this.fail({ kind: "too-long", message: `no final state after ${this.#maxEvents} events` });
  }

  /** The first root actor is the chart's; a later one is a fleet child's when it runs a known child chart. */
  #adopt(actor: AnyActorRef, event: InspectionEvent): RootWatch | undefined {
    if (event.rootId !== actor.sessionId) return undefined;
    let watch: RootWatch | undefined;
    if (this.#roots.size === 0) watch = { chart: this.#chart, isTop: true, coverage: this.top, events: this.events, ended: false };
    else {
      const chart = this.#childCharts.get((actor as unknown as { logic: AnyStateMachine }).logic);
      if (!chart) return undefined;
      let coverage = this.children.get(chart.id);
      if (!coverage) this.children.set(chart.id, (coverage = { states: new Set(), transitions: new Set(), sessions: 0 }));
      coverage.sessions++;
      watch = { chart, isTop: false, coverage, events: [], ended: false };
    }
    this.#roots.set(actor, watch);
    return watch;
  }

  #propertyFailure(actor: AnyActorRef, root: RootWatch, kind: "invariant" | "final", name: string, message: string): SimFailure {
    if (root.isTop) return { kind, property: name, message };
    this.failedEvents = root.events;
    let sessionId = "?";
    try {
      sessionId = runServicesOf(actor.system).sessionId;
    } catch {
      // A root the runner did not bind (cannot happen for a fleet child): named by chart only.
    }
    return {
      kind,
      property: `${root.chart.id}: ${name}`,
      child: { sessionId, chartId: root.chart.id },
      message: `in child session ${sessionId} (chart ${root.chart.id}) of the run with seed ${this.#seed}: ${message}`,
    };
  }

  /**
   * Whether the chart a conversation sends its events to would take this one now (see `takes`); undefined when that chart is not found (the model then sends it anyway).
   * The conversation is the root's invoked child with the request's invoke id; among fleet
   * children running the same chart, the one whose conversation has the request's system prompt
   * and first message.
   */
  accepts(request: ModelRequest, type: string, payload: unknown): boolean | undefined {
    const found = this.#receiver(request);
    if (!found) return undefined;
    try {
      return takes(found, { ...(payload as object), type, invokeId: request.origin.invokeId } as { type: string });
    } catch {
      // A guard that throws on this payload: the chart would fail on it, not take it.
      return false;
    }
  }

  /** The state of the chart the request's conversation sends its events to. */
  viewOf(request: ModelRequest): Omit<ChartView, "event"> | undefined {
    const found = this.#receiver(request);
    return found && { context: found.context, states: activeStates(found), value: found.value };
  }

  /**
   * The snapshot of the root actor whose conversation made `request`: the root's invoked child
   * with the request's invoke id; among fleet children running the same chart, the one whose
   * conversation has the request's system prompt and first message.
   */
  #receiver(request: ModelRequest): AnyMachineSnapshot | undefined {
    const { invokeId } = request.origin;
    let found: AnyMachineSnapshot | undefined;
    for (const [actor, root] of this.#roots) {
      if (root.ended) continue;
      const snapshot = actor.getSnapshot() as AnyMachineSnapshot;
      const conversation = snapshot.children?.[invokeId] as AnyActorRef | undefined;
      if (!conversation || snapshot.status !== "active") continue;
      if (this.#roots.size === 1 || sameConversation(conversation, request)) return snapshot;
      found ??= snapshot;
    }
    return found;
  }

  /** The final expectations, on a run that reached a final state. */
  finalFailure(outcome: RunOutcome): SimFailure | undefined {
    if (outcome.status !== "done" || !this.#topView) return undefined;
    const broken = firstBroken(this.#chart.simulation?.final, this.#topView);
    return (
      broken && {
        kind: "final",
        property: broken.name,
        message: `final expectation "${broken.name}" not met in [${outcome.finalConfig.join(", ")}]: ${broken.why}`,
      }
    );
  }
}

/**
 * Whether `snapshot` takes `event`: a transition is enabled for it, and it moves the chart (has a
 * target) unless no transition for this event in the active states does. So a payload that fails
 * the guard of a branch that moves on and falls to one that only tells the model to try again
 * (a targetless fallback) counts as refused, while a chart whose handler for the event never
 * moves (a counter's `assign`) takes every payload.
 */
function takes(snapshot: AnyMachineSnapshot, event: { type: string }): boolean {
  const enabled = snapshot.machine.getTransitionData(snapshot as never, event) ?? [];
  if (enabled.length === 0) return false;
  if (enabled.some((transition) => (transition.target?.length ?? 0) > 0)) return true;
  const moves = snapshot._nodes.some((node) => node.transitions.get(event.type)?.some((transition) => (transition.target?.length ?? 0) > 0));
  return !moves;
}

/** Whether a conversation actor is the one that sent `request` (its system prompt and first message). */
function sameConversation(conversation: AnyActorRef, request: ModelRequest): boolean {
  const context = (conversation.getSnapshot() as { context?: { system?: string; messages?: unknown[] } }).context;
  if (!context || context.system !== request.system) return false;
  const first = context.messages?.[0];
  return first === request.messages[0] || JSON.stringify(first) === JSON.stringify(request.messages[0]);
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
