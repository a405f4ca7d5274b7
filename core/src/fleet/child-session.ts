/** A fleet child's session directory on disk: what state it is in, what it produced, what it called. */
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { RequestOrigin, ModelClient } from "../llm/protocol.js";
import type { HumanRenderer } from "../human/human-renderer.js";
import { CheckpointStore } from "../runtime/checkpoint-store.js";
import { callHistory } from "../engine/runner.js";
import { isResumable, openSessionDir, sessionPaths } from "../runtime/session-dir.js";
import { readTranscript } from "../runtime/transcript-reader.js";
import type { ChildError, SettledStatus } from "./fleet-state.js";

export const childrenDir = (parentDir: string): string => join(parentDir, "children");
export const childDir = (parentDir: string, childSessionId: string): string => join(childrenDir(parentDir), childSessionId);

export type ChildDisk =
  | { kind: "absent" }
  /** Crashed mid-run (the process died with it): resume it from its own checkpoint. */
  | { kind: "running" }
  | { kind: "finished"; status: SettledStatus };

/** What is on disk for a child. A directory left half-created (no session.json) is removed. */
export function inspectChild(dir: string): ChildDisk {
  if (!existsSync(dir)) return { kind: "absent" };
  const paths = sessionPaths(dir);
  if (!existsSync(paths.manifest)) {
    // createSessionDir makes the folders, then writes session.json: a crash between them leaves no rows.
    if (!existsSync(paths.transcript)) {
      rmSync(dir, { recursive: true, force: true });
      return { kind: "absent" };
    }
  }
  const { manifest } = openSessionDir(dir);
  // An interrupted or parked child resumes like one the crash stopped.
  return isResumable(manifest.status) ? { kind: "running" } : { kind: "finished", status: manifest.status };
}

export interface ChildOutcome {
  status: SettledStatus;
  output: unknown;
  error?: ChildError;
  /** The child's active states when it ended (its `runner/done` row's `finalConfig`). */
  finalConfig: string[];
}

/** The output (machine output, else final context) of a persisted or live machine snapshot. */
export function outputOfSnapshot(snapshot: unknown): unknown {
  const s = snapshot as { output?: unknown; context?: unknown } | undefined;
  if (!s) return undefined;
  const value = s.output !== undefined ? s.output : s.context;
  // Exactly what the checkpoint will hold, so a resumed parent sees the same value.
  return value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as unknown);
}

/** Reads a finished child's outcome back from its session: final checkpoint and `runner/done` row. */
export async function readChildOutcome(dir: string, status: SettledStatus): Promise<ChildOutcome> {
  const paths = sessionPaths(dir);
  const checkpoint = CheckpointStore.load(paths.checkpoints);
  let done: { finalConfig?: string[]; error?: ChildError } | undefined;
  for await (const row of readTranscript(paths.transcript)) {
    if (row.event === "runner/done") done = row.data as typeof done;
  }
  return {
    status,
    output: outputOfSnapshot(checkpoint?.state),
    ...(done?.error ? { error: { category: done.error.category, message: done.error.message } } : {}),
    finalConfig: done?.finalConfig ?? [],
  };
}

/**
 * The model calls a child already made, as a resume keeps them: all of a finished child's, and a
 * crashed child's up to its checkpoint (later rows are cut and their calls issued again).
 */
export async function completedCalls(dir: string, disk: ChildDisk): Promise<RequestOrigin[]> {
  if (disk.kind === "absent") return [];
  const paths = sessionPaths(dir);
  if (!existsSync(paths.transcript)) return [];
  const maxSeq = disk.kind === "running" ? (CheckpointStore.load(paths.checkpoints)?.seq ?? 0) : Infinity;
  return (await callHistory(paths.transcript, maxSeq)).completed;
}

/**
 * Session ids for a fleet's children: `<fleetId>-<n>` (1-based), or `<fleetId>.<visit>-<n>` when
 * this session already holds children of an earlier visit of the same fleet.
 */
export function nameChildren(parentDir: string, fleetId: string, count: number): string[] {
  const stem = fleetId.replace(/[^A-Za-z0-9_-]/g, "_");
  const pattern = new RegExp(`^${stem.replace(/-/g, "\\-")}(?:\\.(\\d+))?-\\d+$`);
  let visits = 0;
  const dir = childrenDir(parentDir);
  if (existsSync(dir)) {
    for (const name of readdirSync(dir)) {
      const match = pattern.exec(name);
      if (match) visits = Math.max(visits, match[1] ? Number(match[1]) : 1);
    }
  }
  const prefix = visits === 0 ? stem : `${stem}.${visits + 1}`;
  return Array.from({ length: count }, (_, index) => `${prefix}-${index + 1}`);
}

/**
 * The model a child gets: the parent's (recorded in the parent's cassette) without
 * `skipCompleted`, because the fleet skips every child's completed calls at once before any child
 * resumes (a child resuming first could otherwise take a step another child had used).
 */
export const childModel = (parent: ModelClient): ModelClient => ({
  assertAlias: (alias) => parent.assertAlias(alias),
  call: (request, options) => parent.call(request, options),
});

/** The parent's human renderer, with the child's prompt ids made unique: `<childSessionId>/<promptId>`. */
export function childHuman(parent: HumanRenderer, childSessionId: string): HumanRenderer {
  const id = (promptId: string) => `${childSessionId}/${promptId}`;
  return {
    ask: (request, signal) => parent.ask({ ...request, promptId: id(request.promptId), invokeId: `${childSessionId}/${request.invokeId}` }, signal),
    ...(parent.progress ? { progress: (promptId: string, value: number, total: number) => parent.progress!(id(promptId), value, total) } : {}),
    ...(parent.reject ? { reject: (promptId: string, reason: string) => parent.reject!(id(promptId), reason) } : {}),
  };
}
