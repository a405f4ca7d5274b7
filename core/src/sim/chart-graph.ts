/**
 * The states and transitions a chart declares, named the way coverage reports them: a state by its
 * path ("review.critic"), a transition as `source --event--> targets`, with `#n` when a source has
 * several transitions for the same event (guarded branches), in declaration order.
 */
import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from "xstate";

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
