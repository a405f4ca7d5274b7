import type { AnyMachineSnapshot, AnyStateNode } from "xstate";
import { activeStateNodes } from "./xstate-internals.js";

/**
 * Active state paths ("review.critic"), parents before children, the root left out: the chart's
 * active states (xstate's "configuration"; a transcript, a result and a public event call them
 * `config` / `finalConfig`). In xstate's order of the active nodes, which recorded active states
 * keep (see `activeStateNodes`).
 */
export function activeStates(snapshot: AnyMachineSnapshot): string[] {
  const paths: string[] = [];
  for (const node of activeStateNodes(snapshot)) if (node.path.length > 0) paths.push(pathOf(node));
  return paths;
}

/** A state node's dotted path, joined once per node: the runner asks for it after every event. */
const paths = new WeakMap<AnyStateNode, string>();

function pathOf(node: AnyStateNode): string {
  let path = paths.get(node);
  if (path === undefined) {
    path = node.path.join(".");
    paths.set(node, path);
  }
  return path;
}

/** The deepest active states: the breadcrumb a renderer shows. */
export function leafStates(snapshot: AnyMachineSnapshot): string[] {
  const paths: string[] = [];
  for (const node of activeStateNodes(snapshot)) if (node.type === "atomic" || node.type === "final") paths.push(node.path.join("."));
  return paths;
}

export function difference(from: readonly string[], minus: readonly string[]): string[] {
  if (minus.length === 0) return [...from];
  // A chart's active states are a handful: a scan is cheaper than a set (and runs after every event).
  if (minus.length <= 16) {
    const out: string[] = [];
    for (const item of from) if (!minus.includes(item)) out.push(item);
    return out;
  }
  const drop = new Set(minus);
  return from.filter((item) => !drop.has(item));
}
