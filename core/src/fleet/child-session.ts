/**
 * A fleet child's session: where it lives (beside its parent's, in the parent's store), what state
 * it is in, what it produced, what it called.
 */
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { RequestOrigin, ModelClient } from "../llm/protocol.js";
import type { HumanRenderer } from "../human/human-renderer.js";
import { CheckpointStore } from "../runtime/checkpoint-store.js";
import { callHistory } from "../engine/runner.js";
import type { RunChartOptions } from "../engine/run-options.js";
import type { ChildRunHost } from "../engine/run-services.js";
import { isResumable, openSessionDir, sessionPaths } from "../runtime/session-dir.js";
import { SessionError } from "../runtime/session-error.js";
import { readTranscript } from "../runtime/transcript-reader.js";
import type { TranscriptRow } from "../runtime/transcript-row.js";
import { childKey, type SessionStore } from "../store/index.js";
import type { ChildError, SettledStatus } from "./fleet-state.js";

export const childrenDir = (parentDir: string): string => join(parentDir, "children");
export const childDir = (parentDir: string, childSessionId: string): string => join(childrenDir(parentDir), childSessionId);

/** What the parent's store holds of a child. */
export type ChildFound =
  | { kind: "absent" }
  /** Crashed mid-run (the process died with it): resume it from its own checkpoint. */
  | { kind: "running" }
  | { kind: "finished"; status: SettledStatus };

/**
 * Where a run's fleet children live: under the parent's session directory on disk, or as sessions
 * of their own (`<parent key>/children/<id>`) in a store without directories.
 */
export interface ChildPlace {
  /**
   * The child ids the parent's session holds already (every visit's), to name new ones after them.
   * Synchronous where the store reads so (disk): the children are then named before any event
   * reaches their fleet.
   */
  names(): string[] | Promise<string[]>;
  inspect(childId: string): Promise<ChildFound>;
  /** A finished child's outcome: its final checkpoint and `runner/done` row. */
  outcome(childId: string, status: SettledStatus): Promise<ChildOutcome>;
  /** The model calls the child already made, as a resume keeps them. */
  completedCalls(childId: string, found: ChildFound): Promise<RequestOrigin[]>;
  /** The run options that start the child there, new or resumed. */
  launch(childId: string, resume: boolean): Pick<RunChartOptions, "store" | "sessionDir" | "sessionKey" | "resume">;
}

/** Where the children of the parent's session live (see `ChildRunHost.session`). */
export const childPlace = (parent: ChildRunHost["session"]): ChildPlace =>
  "dir" in parent ? diskChildren(parent.dir) : storeChildren(parent.store, parent.key);

/** Children in directories under the parent's session directory (the disk store). */
export function diskChildren(parentDir: string): ChildPlace {
  const dirOf = (id: string) => childDir(parentDir, id);
  return {
    names: () => {
      const dir = childrenDir(parentDir);
      return existsSync(dir) ? readdirSync(dir) : [];
    },
    inspect: async (id) => inspectChild(dirOf(id)),
    outcome: (id, status) => readChildOutcome(dirOf(id), status),
    completedCalls: (id, found) => completedCalls(dirOf(id), found),
    launch: (id, resume) => (resume ? { resume: dirOf(id) } : { sessionDir: dirOf(id) }),
  };
}

/** Children as sessions of the parent's store keyed `<parent key>/children/<id>` (memory, Postgres). */
export function storeChildren(store: SessionStore, parentKey: string): ChildPlace {
  const keyOf = (id: string) => childKey(parentKey, id);
  return {
    names: () => store.children(parentKey),
    inspect: async (id) => {
      let status;
      try {
        status = (await store.manifest(keyOf(id))).status;
      } catch (error) {
        // A store creates a session whole (its manifest with it): no half-made child to clear.
        if (error instanceof SessionError && error.code === "session-missing") return { kind: "absent" };
        throw error;
      }
      return isResumable(status) ? { kind: "running" } : { kind: "finished", status };
    },
    outcome: async (id, status) => outcomeOf(status, (await store.checkpoint(keyOf(id)))?.state, store.rows(keyOf(id))),
    completedCalls: async (id, found) => {
      if (found.kind === "absent") return [];
      const maxSeq = found.kind === "running" ? ((await store.checkpoint(keyOf(id)))?.seq ?? 0) : Infinity;
      return (await callHistory(store.rows(keyOf(id)), maxSeq)).completed;
    },
    launch: (id, resume) => (resume ? { store, resume: keyOf(id) } : { store, sessionKey: keyOf(id) }),
  };
}

/** What is on disk for a child. A directory left half-created (no session.json) is removed. */
export function inspectChild(dir: string): ChildFound {
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
  return outcomeOf(status, CheckpointStore.load(paths.checkpoints)?.state, readTranscript(paths.transcript));
}

async function outcomeOf(status: SettledStatus, state: unknown, rows: AsyncIterable<TranscriptRow>): Promise<ChildOutcome> {
  let done: { finalConfig?: string[]; error?: ChildError } | undefined;
  for await (const row of rows) {
    if (row.event === "runner/done") done = row.data as typeof done;
  }
  return {
    status,
    output: outputOfSnapshot(state),
    ...(done?.error ? { error: { category: done.error.category, message: done.error.message } } : {}),
    finalConfig: done?.finalConfig ?? [],
  };
}

/**
 * The model calls a child already made, as a resume keeps them: all of a finished child's, and a
 * crashed child's up to its checkpoint (later rows are cut and their calls issued again).
 */
export async function completedCalls(dir: string, disk: ChildFound): Promise<RequestOrigin[]> {
  if (disk.kind === "absent") return [];
  const paths = sessionPaths(dir);
  if (!existsSync(paths.transcript)) return [];
  const maxSeq = disk.kind === "running" ? (CheckpointStore.load(paths.checkpoints)?.seq ?? 0) : Infinity;
  return (await callHistory(paths.transcript, maxSeq)).completed;
}

/**
 * Session ids for a fleet's children: `<fleetId>-<n>` (1-based), or `<fleetId>.<visit>-<n>` when
 * the session already holds children (`taken`) of an earlier visit of the same fleet.
 */
export function nameChildren(taken: readonly string[], fleetId: string, count: number): string[] {
  const stem = fleetId.replace(/[^A-Za-z0-9_-]/g, "_");
  const pattern = new RegExp(`^${stem.replace(/-/g, "\\-")}(?:\\.(\\d+))?-\\d+$`);
  let visits = 0;
  for (const name of taken) {
    const match = pattern.exec(name);
    if (match) visits = Math.max(visits, match[1] ? Number(match[1]) : 1);
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
