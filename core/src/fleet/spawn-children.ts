/**
 * Child-session fleets: `invoke: spawnChildren({ id, chart, inputs })` runs one child session per
 * input, each its own chart with its own conversations, transcript and checkpoints, under
 * `<parent session>/children/<childSessionId>/`. The invoke completes (`onDone`) with every
 * child's result in input order once all have settled; leaving the state aborts the children.
 */
import type { ActorLogic, ActorSystem, AnyActorRef, EventObject, Snapshot } from "xstate";
import type { ChartDefinition } from "../engine/define-chart.js";
import { owningStatePath } from "../chart/owning-state.js";
import { resolveParam, type Param, type ParamArgs } from "../chart/param.js";
import { runServicesOf } from "../engine/run-services.js";
import { childPlace, nameChildren } from "./child-session.js";
import { FleetDriver } from "./fleet-driver.js";
import {
  allSettled,
  applyChanges,
  applyNames,
  jsonProblem,
  queueForPending,
  resolveTarget,
  resultsOf,
  type FleetChildResult,
  type FleetEvent,
  type FleetState,
} from "./fleet-state.js";

export const defaultConcurrency = 16;

export interface SpawnChildrenParams<TContext = any> {
  /** Invoke id; the `tellChild` target and the stem of the children's session ids (`<id>-1`, `<id>-2`, ...). */
  id: string;
  /** The chart every child runs. */
  chart: ChartDefinition;
  /** One child per element; each element is that child's chart input. Must be JSON (it is checkpointed). */
  inputs: Param<unknown[], TContext>;
  /** Children running at once (an integer >= 1, or Infinity). Default 16. */
  concurrency?: Param<number, TContext>;
  /** A child ending `error` or `aborted` ends the parent run (category `child-failed`). Default false: it is marked in the output. */
  failFast?: Param<boolean, TContext>;
  /** Mirror the children's `llm/delta` rows (coalesced) into the parent transcript. Default true. */
  mirrorDeltas?: boolean;
}

export interface FleetInput {
  inputs: unknown[];
  concurrency: number | null;
  failFast: boolean;
  problem?: string;
}

export type FleetSnapshot = Snapshot<FleetChildResult[]> & { context: FleetState };

function fleetInput<TContext>(params: SpawnChildrenParams<TContext>, args: ParamArgs<TContext>): FleetInput {
  const failFast = resolveParam(params.failFast, args) ?? false;
  let inputs: unknown;
  try {
    inputs = resolveParam(params.inputs, args);
  } catch (error) {
    return { inputs: [], concurrency: null, failFast, problem: `inputs() threw: ${(error as Error).message ?? String(error)}` };
  }
  if (!Array.isArray(inputs)) {
    return {
      inputs: [],
      concurrency: null,
      failFast,
      problem: `inputs must be an array (one element per child), got ${inputs === null ? "null" : typeof inputs}`,
    };
  }
  const concurrency = resolveParam(params.concurrency, args) ?? defaultConcurrency;
  if (concurrency !== Infinity && !(Number.isInteger(concurrency) && concurrency >= 1)) {
    return { inputs: [], concurrency: null, failFast, problem: `concurrency must be an integer >= 1 or Infinity, got ${String(concurrency)}` };
  }
  const problem = jsonProblem(inputs, "inputs");
  return {
    inputs: problem ? [] : inputs,
    concurrency: concurrency === Infinity ? null : concurrency,
    failFast,
    ...(problem ? { problem: `${problem} (child inputs are checkpointed as JSON)` } : {}),
  };
}

/** Runs one child session per input while the state is active: `invoke: spawnChildren({...})`. */
export function spawnChildren<TContext>(params: SpawnChildrenParams<TContext>) {
  return {
    id: params.id,
    src: fleetLogic(params.chart, { mirrorDeltas: params.mirrorDeltas ?? true }),
    input: (args: ParamArgs<TContext>): FleetInput => fleetInput(params, args),
  };
}

type Logic = ActorLogic<FleetSnapshot, FleetEvent | EventObject, FleetInput, ActorSystem<any>>;

/** The actor behind `spawnChildren`: pure transitions over `FleetState` plus a driver that runs the children. */
export function fleetLogic(chart: ChartDefinition, options: { mirrorDeltas: boolean }): Logic {
  const drivers = new WeakMap<AnyActorRef, FleetDriver>();
  const settle = (snapshot: FleetSnapshot, context: FleetState): FleetSnapshot =>
    allSettled(context) && !context.problem ? { status: "done", output: resultsOf(context), error: undefined, context } : { ...snapshot, context };
  return {
    config: chart,
    getInitialSnapshot(scope, input) {
      const context: FleetState = {
        fleetId: scope.self.id,
        stateId: owningStatePath(scope.self),
        chartId: chart.id,
        concurrency: input.concurrency,
        failFast: input.failFast,
        children: input.inputs.map((value, index) => ({ index, childSessionId: "", input: value, status: "pending" as const })),
        ...(input.problem ? { problem: input.problem } : {}),
      };
      // No children: done at once, with an empty result list.
      return settle({ status: "active", output: undefined, error: undefined, context }, context);
    },
    transition(snapshot, event, scope) {
      if (event.type === "xstate.stop") {
        drivers.get(scope.self)?.stop();
        return { ...snapshot, status: "stopped" } as FleetSnapshot;
      }
      if (snapshot.status !== "active") return snapshot;
      const fleetEvent = event as FleetEvent;
      switch (fleetEvent.type) {
        case "escapement.fleet-named":
          return { ...snapshot, context: applyNames(snapshot.context, fleetEvent.ids) };
        case "escapement.fleet-changed":
          return settle(snapshot, applyChanges(snapshot.context, fleetEvent.changes));
        case "escapement.fleet-tell": {
          const indexes = resolveTarget(snapshot.context, fleetEvent.target);
          const driver = drivers.get(scope.self);
          if (!indexes) {
            scope.defer(() => driver?.unknownTarget(fleetEvent.target));
            return snapshot;
          }
          scope.defer(() => driver?.tell(indexes, fleetEvent.event));
          // Children not started yet get it when they start (kept in the checkpoint until then).
          return { ...snapshot, context: queueForPending(snapshot.context, indexes, fleetEvent.event) };
        }
        default:
          return snapshot;
      }
    },
    start(snapshot, scope) {
      if (snapshot.status !== "active") return;
      const services = runServicesOf(scope.system);
      const state = snapshot.context;
      if (state.problem) {
        services.fail("fleet-input", `fleet "${state.fleetId}" in state ${state.stateId}: ${state.problem}`);
        return;
      }
      const host = services.childHost;
      if (!host) {
        services.fail("fleet-input", `fleet "${state.fleetId}": this run cannot host child sessions`);
        return;
      }
      const place = childPlace(host.session);
      let naming: boolean | Promise<string[]> = false;
      if (state.children.some((child) => child.childSessionId === "")) {
        const taken = place.names();
        if (Array.isArray(taken)) {
          // Queued: the actor's mailbox starts right after start() returns, before the driver reads the state.
          scope.self.send({ type: "escapement.fleet-named", ids: nameChildren(taken, state.fleetId, state.children.length) });
          naming = true;
        } else {
          // Read from a store over a network: the driver names them once it has the names taken.
          naming = taken;
        }
      }
      const driver = new FleetDriver(scope.self, services, host, place, chart, { mirrorDeltas: options.mirrorDeltas, naming });
      drivers.set(scope.self, driver);
      void driver.run();
    },
    getPersistedSnapshot: (snapshot) => snapshot,
    restoreSnapshot: (persisted) => persisted as FleetSnapshot,
  };
}
