import type { AnyMachineSnapshot } from "xstate";

interface NodeLike {
  path: string[];
  type: string;
}

/** Active state paths ("review.critic"), parents before children, the root left out. */
export function activeStates(snapshot: AnyMachineSnapshot): string[] {
  const nodes = (snapshot as unknown as { _nodes: NodeLike[] })._nodes;
  const paths: string[] = [];
  for (const node of nodes) if (node.path.length > 0) paths.push(node.path.join("."));
  return paths;
}

/** The deepest active states: the breadcrumb a renderer shows. */
export function leafStates(snapshot: AnyMachineSnapshot): string[] {
  const nodes = (snapshot as unknown as { _nodes: NodeLike[] })._nodes;
  const paths: string[] = [];
  for (const node of nodes) if (node.type === "atomic" || node.type === "final") paths.push(node.path.join("."));
  return paths;
}

export function difference(from: readonly string[], minus: readonly string[]): string[] {
  if (minus.length === 0) return [...from];
  const drop = new Set(minus);
  return from.filter((item) => !drop.has(item));
}
