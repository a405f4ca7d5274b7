import type { AnyActorRef, AnyStateMachine } from "xstate";

interface StateNodeLike {
  path: string[];
  invoke: { id: string }[];
  states: Record<string, StateNodeLike>;
}

/** Path ("review.critic") of the state node whose `invoke` started the actor with this id. */
export function owningStatePath(self: AnyActorRef): string {
  // The parent's logic, not its snapshot: children are created before the parent has a snapshot.
  const parent = (self as unknown as { _parent?: { logic?: AnyStateMachine } })._parent;
  const machine = parent?.logic;
  if (!machine) return self.id;
  const search = (node: StateNodeLike): string | undefined => {
    if (node.invoke.some((invoke) => invoke.id === self.id)) return node.path.join(".") || "(root)";
    for (const child of Object.values(node.states)) {
      const found = search(child);
      if (found) return found;
    }
    return undefined;
  };
  return search(machine.root as unknown as StateNodeLike) ?? self.id;
}

export const parentOf = (self: AnyActorRef): AnyActorRef | undefined => (self as unknown as { _parent?: AnyActorRef })._parent;
