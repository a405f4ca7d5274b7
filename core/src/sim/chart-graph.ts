/**
 * The states and transitions a chart declares, named the way coverage reports them: a state by its
 * path ("review.critic"), a transition as `source --event--> targets`, with `#n` when a source has
 * several transitions for the same event (guarded branches), in declaration order.
 */
import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from "xstate";
import type { ChartDefinition } from "../engine/index.js";
import { isStateMachine } from "../lib/options.js";

export interface ChartGraph {
  states: string[];
  transitions: string[];
}

const pathOf = (node: AnyStateNode): string => (node.path.length === 0 ? "(root)" : node.path.join("."));

const eventLabel = (eventType: string): string => (eventType === "" ? "(always)" : eventType);

/** The transitions of a node, each with its label. */
function labelled(node: AnyStateNode): [AnyTransitionDefinition, string][] {
  const out: [AnyTransitionDefinition, string][] = [];
  const add = (list: readonly AnyTransitionDefinition[], eventType: string): void => {
    list.forEach((transition, index) => {
      const targets = transition.target?.map(pathOf).join(", ") || "(no target)";
      const branch = list.length > 1 ? ` #${index + 1}` : "";
      out.push([transition, `${pathOf(node)} --${eventLabel(eventType)}${branch}--> ${targets}`]);
    });
  };
  for (const [eventType, list] of node.transitions) add(list, eventType);
  if (node.always) add(node.always, "");
  return out;
}

const labels = new WeakMap<AnyTransitionDefinition, string>();

/** Every state and transition of `machine`, below its root. */
export function chartGraph(machine: AnyStateMachine): ChartGraph {
  const states: string[] = [];
  const transitions: string[] = [];
  const visit = (node: AnyStateNode): void => {
    if (node.path.length > 0) states.push(pathOf(node));
    for (const [transition, label] of labelled(node)) {
      labels.set(transition, label);
      transitions.push(label);
    }
    for (const child of Object.values(node.states)) visit(child);
  };
  visit(machine.root);
  return { states, transitions };
}

/** The label of a transition a microstep took (as `chartGraph` names it). */
export function transitionLabel(transition: AnyTransitionDefinition): string {
  const known = labels.get(transition);
  if (known) return known;
  // A transition of a node chartGraph did not walk (it always walks first): label it alone.
  for (const [candidate, label] of labelled(transition.source)) labels.set(candidate, label);
  return labels.get(transition) ?? `${pathOf(transition.source)} --${eventLabel(transition.eventType)}--> ?`;
}

/** A chart a fleet of `machine` runs: what `spawnChildren({ chart })` puts in its actor logic's `config`. */
const fleetChart = (logic: unknown): ChartDefinition | undefined => {
  const config = (logic as { config?: unknown } | undefined)?.config as Partial<ChartDefinition> | undefined;
  return config && typeof config.id === "string" && isStateMachine(config.machine) ? (config as ChartDefinition) : undefined;
};

/**
 * The charts `machine`'s fleets run as child sessions, and theirs in turn, once each by id, in
 * the order the states declare them.
 */
export function childCharts(machine: AnyStateMachine): ChartDefinition[] {
  const found = new Map<string, ChartDefinition>();
  const visitMachine = (current: AnyStateMachine): void => {
    const visit = (node: AnyStateNode): void => {
      // The invoke as declared: xstate keeps inline logic there (the resolved definition names it by a key).
      const declared = node.config.invoke;
      for (const invoke of Array.isArray(declared) ? declared : declared ? [declared] : []) {
        const src = typeof invoke.src === "string" ? current.implementations.actors[invoke.src] : invoke.src;
        const chart = fleetChart(src);
        if (chart && !found.has(chart.id)) {
          found.set(chart.id, chart);
          visitMachine(chart.machine);
        }
      }
      for (const child of Object.values(node.states)) visit(child);
    };
    visit(current.root);
  };
  visitMachine(machine);
  return [...found.values()];
}
