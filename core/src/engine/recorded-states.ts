import { existsSync, readFileSync } from "node:fs";
import { parseCheckpointRecord, type CheckpointFiles } from "../runtime/checkpoint-store.js";
import { splitLines } from "../runtime/read-lines.js";
import { stateHash, type ChartState } from "../runtime/state-hash.js";
import type { SecretScrubber } from "../runtime/secret-scrubber.js";
import { rowsOf, type RowSource } from "./session-past.js";

/** The chart's state after one event, as a transcript recorded it (a `runner/event-processed` row). */
export interface RecordedState {
  /** 1-based: the how-many-th event of the session's chart this was. */
  number: number;
  seq: number;
  event: string;
  /** Absent in rows written before rows carried it: such an event is not compared. */
  stateHash?: string;
}

/** What a session's transcript recorded of its chart: the session it says it is, and its states after each event, in order. */
export interface RecordedStates {
  sessionId: string | undefined;
  states: RecordedState[];
}

/**
 * The chart states a transcript recorded. Every `runner/event-processed` row of a transcript is
 * its own chart's (a fleet child's moves are mirrored as `session/child-phase` rows); a session
 * that was resumed lists the events of all its runs, which continue one another.
 */
export async function readRecordedStates(transcript: RowSource): Promise<RecordedStates> {
  let sessionId: string | undefined;
  const states: RecordedState[] = [];
  if (typeof transcript === "string" && !existsSync(transcript)) return { sessionId, states };
  for await (const row of rowsOf(transcript)) {
    if (row.event === "runner/started" && sessionId === undefined) {
      const id = (row.data as { sessionId?: unknown }).sessionId;
      if (typeof id === "string") sessionId = id;
    }
    if (row.event !== "runner/event-processed") continue;
    const data = row.data as { event?: unknown; stateHash?: unknown };
    states.push({
      number: states.length + 1,
      seq: row.seq,
      event: typeof data.event === "string" ? data.event : "?",
      ...(typeof data.stateHash === "string" ? { stateHash: data.stateHash } : {}),
    });
  }
  return { sessionId, states };
}

/**
 * The recorded state itself, when the session's checkpoints still hold it: the first checkpoint
 * record written at or after the row (`fromSeq`) whose state hashes to `hash`. A checkpoint is
 * written at the flush after the event, before or after later events; one that hashes the same
 * holds that state. Undefined when none does (the journal was compacted into its latest record,
 * or the checkpoint that held it was itself changed).
 */
export function recordedSnapshot(files: CheckpointFiles, fromSeq: number, hash: string, scrubber: SecretScrubber): ChartState | undefined {
  const texts: string[] = [];
  if (existsSync(files.snapshot)) texts.push(readFileSync(files.snapshot, "utf8"));
  if (existsSync(files.journal)) texts.push(...splitLines(readFileSync(files.journal, "utf8")));
  for (const text of texts) {
    const record = text.trim() === "" ? undefined : parseCheckpointRecord(text);
    if (!record || record.seq < fromSeq) continue;
    const state = chartStateOf(record.state);
    if (state && stateHash(state, scrubber) === hash) return state;
  }
  return undefined;
}

/** The value and context of a persisted snapshot (a checkpoint's `state`). */
export function chartStateOf(persisted: unknown): ChartState | undefined {
  if (typeof persisted !== "object" || persisted === null) return undefined;
  const { value, context } = persisted as { value?: unknown; context?: unknown };
  return { value, context };
}
