import { existsSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import type { RunChartOptions } from "./run-options.js";
import type { RequestOrigin } from "../llm/protocol.js";
import { loadCassette } from "../llm/cassette/index.js";
import { readTranscript } from "../runtime/transcript-reader.js";
import type { Clock } from "../runtime/clock.js";
import type { IdSource } from "../runtime/ids.js";
import { CheckpointStore, type CheckpointRecord } from "../runtime/checkpoint-store.js";
import { createSessionDir, defaultSessionsRoot, locateSession, openSessionDir, type SessionManifest, type SessionPaths } from "../runtime/session-dir.js";
import { SessionError } from "../runtime/session-error.js";

/** @internal A session opened for a run: new (empty), or resumed (cut back to its latest checkpoint). */
export interface Prepared {
  paths: SessionPaths;
  manifest: SessionManifest;
  checkpoint: CheckpointRecord | undefined;
  nextSeq: number;
  offset: number;
}

/** @internal Creates a new session directory and its manifest (status running). */
export function prepareNew(options: RunChartOptions, clock: Clock, ids: IdSource): Prepared {
  const now = clock.now();
  const cwd = options.cwd ?? process.cwd();
  const sessionId = options.sessionDir ? basename(resolve(options.sessionDir)) : ids.sessionId(now);
  const root = options.sessionDir ? resolve(cwd, options.sessionDir) : join(options.sessionsRoot ?? defaultSessionsRoot(cwd), sessionId);
  const manifest: SessionManifest = {
    sessionId,
    chartId: options.chart.id,
    chartModule: options.chartModule ?? "",
    createdAt: now,
    ...(options.input === undefined ? {} : { input: options.input }),
    ...(options.parentSessionId ? { parentSessionId: options.parentSessionId } : {}),
    ...(options.forkedFrom ? { forkedFrom: options.forkedFrom } : {}),
    status: "running",
  };
  return { paths: createSessionDir(root, manifest), manifest, checkpoint: undefined, nextSeq: 1, offset: 0 };
}

/** Finds the session to resume and cuts the transcript back to its latest checkpoint. */
export function prepareResume(target: string, chartId: string | undefined, cwd: string, sessionsRoot?: string): Prepared {
  const { paths, manifest } = openSessionDir(locateSession(target, sessionsRoot ?? defaultSessionsRoot(cwd), cwd));
  if (manifest.status !== "running") {
    throw new SessionError("session-finished", `session ${manifest.sessionId} already finished (status ${manifest.status}); nothing to resume`);
  }
  if (chartId !== undefined && chartId !== manifest.chartId) {
    throw new SessionError("chart-mismatch", `session ${manifest.sessionId} ran chart "${manifest.chartId}", not "${chartId}"`);
  }
  const checkpoint = CheckpointStore.load(paths.checkpoints);
  const size = existsSync(paths.transcript) ? statSync(paths.transcript).size : 0;
  if (!checkpoint) {
    if (size > 0)
      throw new SessionError("checkpoint-missing", `session ${manifest.sessionId} has a transcript but no checkpoint in ${paths.checkpoints.journal}`);
    return { paths, manifest, checkpoint, nextSeq: 1, offset: 0 };
  }
  if (size < checkpoint.offset) {
    throw new SessionError("checkpoint-malformed", `checkpoint at seq ${checkpoint.seq} points past the end of ${paths.transcript}`);
  }
  if (size > checkpoint.offset) {
    // Rows after the checkpoint were never acted on (effects wait for the flush that checkpoints);
    // keep them aside for inspection and cut the transcript back so seq stays gap-free.
    const tail = readFileSync(paths.transcript).subarray(checkpoint.offset);
    writeFileSync(join(paths.root, `orphaned-after-${checkpoint.seq}.jsonl`), tail);
    truncateSync(paths.transcript, checkpoint.offset);
  }
  return { paths, manifest, checkpoint, nextSeq: checkpoint.seq + 1, offset: checkpoint.offset };
}

/**
 * Model calls in a transcript: finished (answered or failed) in order, and those left without an
 * answer. Rows mirrored from child sessions (they carry `childSessionId`) are the children's calls,
 * not this session's. `maxSeq`: only rows up to that seq (what a resume keeps).
 */
export async function callHistory(transcriptPath: string, maxSeq = Infinity): Promise<{ completed: RequestOrigin[]; interrupted: RequestOrigin[] }> {
  const completed: RequestOrigin[] = [];
  const open = new Map<string, RequestOrigin>();
  for await (const row of readTranscript(transcriptPath)) {
    if (row.seq > maxSeq) break;
    const data = row.data as { invokeId?: string; stateId?: string; turn?: number; childSessionId?: string };
    if (data.childSessionId !== undefined) continue;
    if (row.event === "llm/conversation-ended") {
      for (const [key, origin] of open) if (origin.invokeId === data.invokeId) open.delete(key);
      continue;
    }
    if (!data.invokeId || !data.stateId || data.turn === undefined) continue;
    const origin = { invokeId: data.invokeId, stateId: data.stateId, turn: data.turn };
    const key = `${origin.invokeId}#${origin.turn}`;
    if (row.event === "llm/request") open.set(key, origin);
    else if (row.event === "llm/response" || row.event === "llm/error") {
      open.delete(key);
      completed.push(origin);
    } else if (row.event === "llm/turn-interrupted") open.delete(key);
  }
  return { completed, interrupted: [...open.values()] };
}

/** @internal Calls already in the cassette (a resumed run numbers on after them); 0 when it is missing or unreadable. */
export async function countRecordedCalls(cassettePath: string): Promise<number> {
  if (!existsSync(cassettePath)) return 0;
  try {
    return (await loadCassette(cassettePath)).calls.length;
  } catch {
    return 0;
  }
}
