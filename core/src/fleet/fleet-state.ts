/**
 * The persisted state of a fleet actor (`invoke: spawnChildren({...})`) and its pure transitions.
 * It is part of the parent's checkpoint, so after a crash the resumed fleet knows every child,
 * its input, and the outcome of the children that had settled.
 */
import type { EventObject } from "xstate";

export type ChildStatus = "pending" | "running" | "done" | "error" | "aborted";
export type SettledStatus = Exclude<ChildStatus, "pending" | "running">;

export interface ChildError {
  category: string;
  message: string;
}

export interface FleetChild {
  /** Position in `inputs` (0-based). */
  index: number;
  /** The child's session id and directory name under `<parent>/children/`; "" until named. */
  childSessionId: string;
  input: unknown;
  status: ChildStatus;
  /** Once settled: the child's machine output, or its final context when it has none. */
  output?: unknown;
  error?: ChildError;
  /** Once settled: the child's active states when it ended (its `runner/done` row's `finalConfig`). */
  finalConfig?: string[];
  /** Events told to the child before it started; delivered when it starts. */
  inbox?: EventObject[];
}

export interface FleetState {
  /** The invoke id (`spawnChildren({ id })`). */
  fleetId: string;
  /** Path of the state that invoked the fleet. */
  stateId: string;
  chartId: string;
  /** Children running at once; null: no limit. */
  concurrency: number | null;
  failFast: boolean;
  children: FleetChild[];
  /** Why the fleet cannot run (bad `inputs` or `concurrency`); the run ends with category `fleet-input`. */
  problem?: string;
}

/** One child's entry in the fleet's output (`event.output` of `onDone`), in input order. */
export interface FleetChildResult {
  index: number;
  childSessionId: string;
  status: SettledStatus;
  /** The child's machine output, or its final context when the machine declares no output. */
  output: unknown;
  error?: ChildError;
  /** The child's active states when it ended (its `runner/done` row's `finalConfig`). */
  finalConfig: string[];
}

export interface ChildChange {
  index: number;
  status: ChildStatus;
  output?: unknown;
  error?: ChildError;
  /** The child's active states when it ended, as `FleetChild.finalConfig`. */
  finalConfig?: string[];
}

export type FleetEvent =
  | { type: "escapement.fleet-named"; ids: string[] }
  | { type: "escapement.fleet-changed"; changes: ChildChange[] }
  | { type: "escapement.fleet-tell"; target: ChildTarget; event: EventObject };

/** A child by index (0-based, as in `inputs`), by session id, or every child ("*"). */
export type ChildTarget = number | string;

export const isSettled = (status: ChildStatus): status is SettledStatus => status === "done" || status === "error" || status === "aborted";

export function applyNames(state: FleetState, ids: readonly string[]): FleetState {
  return { ...state, children: state.children.map((child, index) => ({ ...child, childSessionId: ids[index] ?? child.childSessionId })) };
}

/** Applies status changes; a settled child never changes again (a late abort cannot undo a done). */
export function applyChanges(state: FleetState, changes: readonly ChildChange[]): FleetState {
  const children = [...state.children];
  for (const change of changes) {
    const current = children[change.index];
    if (!current || isSettled(current.status)) continue;
    const { inbox: _delivered, ...rest } = current;
    const next: FleetChild = { ...(change.status === "running" ? rest : current), status: change.status };
    if (change.output !== undefined) next.output = change.output;
    if (change.error) next.error = change.error;
    if (change.finalConfig) next.finalConfig = change.finalConfig;
    children[change.index] = next;
  }
  return { ...state, children };
}

/** Queues an event for children that have not started yet. */
export function queueForPending(state: FleetState, indexes: readonly number[], event: EventObject): FleetState {
  if (indexes.length === 0) return state;
  const set = new Set(indexes);
  return {
    ...state,
    children: state.children.map((child) =>
      set.has(child.index) && child.status === "pending" ? { ...child, inbox: [...(child.inbox ?? []), event] } : child,
    ),
  };
}

export const allSettled = (state: FleetState): boolean => state.children.every((child) => isSettled(child.status));

export function resultsOf(state: FleetState): FleetChildResult[] {
  return state.children.map((child) => ({
    index: child.index,
    childSessionId: child.childSessionId,
    status: child.status as SettledStatus,
    output: child.output,
    ...(child.error ? { error: child.error } : {}),
    finalConfig: child.finalConfig ?? [],
  }));
}

/** Indexes a target names; undefined when it names no child (a chart bug). */
export function resolveTarget(state: FleetState, target: ChildTarget): number[] | undefined {
  if (target === "*") return state.children.map((child) => child.index);
  if (typeof target === "number") return Number.isInteger(target) && target >= 0 && target < state.children.length ? [target] : undefined;
  const found = state.children.find((child) => child.childSessionId === target);
  return found ? [found.index] : undefined;
}

/** Why a value would not survive the checkpoint unchanged (functions, symbols, bigints, cycles...), or undefined. */
export function jsonProblem(value: unknown, path: string, seen = new Set<unknown>()): string | undefined {
  if (value === null || typeof value === "string" || typeof value === "boolean") return undefined;
  if (typeof value === "number") return Number.isFinite(value) ? undefined : `${path} is ${value}, which JSON cannot hold`;
  if (typeof value === "undefined") return undefined;
  if (typeof value !== "object") return `${path} is a ${typeof value}, which JSON cannot hold`;
  if (seen.has(value)) return `${path} is a circular reference`;
  seen.add(value);
  const proto = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) {
    return `${path} is a ${value.constructor?.name ?? "class instance"}; use plain objects and arrays`;
  }
  for (const [key, item] of Object.entries(value)) {
    const problem = jsonProblem(item, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`, seen);
    if (problem) return problem;
  }
  seen.delete(value);
  return undefined;
}
