import type { AnyActorRef, AnyStateMachine, AnyStateNode } from "xstate";
import { parentOf } from "../runtime/xstate-internals.js";

/** Path ("review.critic") of the state node whose `invoke` started the actor with this id. */
export function owningStatePath(self: AnyActorRef): string {
  // The parent's logic, not its snapshot: children are created before the parent has a snapshot.
  const parent = parentOf(self);
  const machine = parent && machineOf(parent);
  if (!machine) return self.id;
  const search = (node: AnyStateNode): string | undefined => {
    if (node.invoke.some((invoke) => invoke.id === self.id)) return node.path.join(".") || "(root)";
    for (const child of Object.values(node.states)) {
      const found = search(child);
      if (found) return found;
    }
    return undefined;
  };
  return search(machine.root) ?? self.id;
}

/** The machine an actor runs (its public `logic`), or undefined when it runs other logic. */
function machineOf(actor: AnyActorRef): AnyStateMachine | undefined {
  const logic: unknown = "logic" in actor ? actor.logic : undefined;
  return typeof logic === "object" && logic !== null && "root" in logic ? (logic as AnyStateMachine) : undefined;
}
