/**
 * Resuming a session of a store without a session directory (memory, Postgres): the same checks
 * and the same cut as a resume on disk (run-session.ts), made through the store's read side and
 * its `reopen`, so a session written by a process that was killed resumes in any other process
 * that reaches the store.
 */
import { rangeRef } from "@escapement/wire-schema";
import type { CheckpointRecord } from "../runtime/checkpoint-store.js";
import { IO_PACK, isResumable, sessionStatuses, type SessionManifest } from "../runtime/session-dir.js";
import { SessionError } from "../runtime/session-error.js";
import { parseTranscriptLine } from "../runtime/transcript-reader.js";
import type { TranscriptRow } from "../runtime/transcript-row.js";
import type { FileCut, SessionStore } from "../store/index.js";
import type { Prepared } from "./run-session.js";
import { ioRefs } from "./run-session.js";
import { storedPast } from "./session-past.js";

const TRANSCRIPT = "transcript.jsonl";
const CASSETTE = "cassette.jsonl";
const NEWLINE = 0x0a;

/** @internal Finds the session in the store, checks its latest checkpoint still matches what the store holds, and cuts it back to it. */
export async function prepareStoredResume(target: string, chartId: string | undefined, store: SessionStore): Promise<Prepared> {
  const key = await store.locate(target);
  const where = store.location(key);
  const manifest = await store.manifest(key);
  if (!sessionStatuses.includes(manifest.status)) {
    throw new SessionError("checkpoint-malformed", `${where}/session.json has no valid status (${JSON.stringify(manifest.status)})`);
  }
  if (!isResumable(manifest.status)) {
    throw new SessionError("session-finished", `session ${manifest.sessionId} already finished (status ${manifest.status}); nothing to resume`);
  }
  if (chartId !== undefined && chartId !== manifest.chartId) {
    throw new SessionError("chart-mismatch", `session ${manifest.sessionId} ran chart "${manifest.chartId}", not "${chartId}"`);
  }
  const checkpoint = await store.checkpoint(key);
  const transcript = Buffer.from((await store.blob(key, TRANSCRIPT)) ?? "", "utf8");
  if (!checkpoint && transcript.byteLength > 0) {
    throw new SessionError("checkpoint-missing", `session ${manifest.sessionId} has a transcript but no checkpoint in ${where}`);
  }
  const seq = checkpoint?.seq ?? 0;
  const offset = checkpoint?.offset ?? 0;
  // The io pack past what the kept rows refer to: a blob torn before any row named it is set aside.
  const ioSize = checkpoint?.ioSize ?? 0;
  // (A range's bounds are 32-bit integers in Postgres.)
  const ioTail = Buffer.from((await store.blob(key, rangeRef(IO_PACK, ioSize, Math.max(0, 2 ** 31 - 2 - ioSize)))) ?? "", "utf8");
  const problem = checkpoint ? (storedResumeProblem(transcript, where, checkpoint) ?? (await ioProblem(store, key, where, transcript, checkpoint))) : undefined;
  if (problem) {
    throw new SessionError("session-inconsistent", `session ${manifest.sessionId} cannot be resumed from its checkpoint at seq ${seq}: ${problem}`);
  }
  const cassette = (await store.cassette(key)) ?? undefined;
  const cassetteBytes = Buffer.from(cassette ?? "", "utf8");
  const cassetteKeep = lastLineEnd(cassetteBytes, 0);
  const prefix = `orphaned-after-${seq}`;
  // Rows after the checkpoint were never acted on (effects wait for the flush that checkpoints):
  // kept aside for inspection, and the transcript cut back so seq stays gap-free.
  const cuts: FileCut[] = [
    { path: TRANSCRIPT, keep: offset, aside: { prefix, suffix: ".jsonl" } },
    { path: CASSETTE, keep: cassetteKeep, aside: { prefix, suffix: ".cassette.jsonl" } },
    { path: IO_PACK, keep: ioSize + lastLineEnd(ioTail, 0), aside: { prefix, suffix: ".io.jsonl" } },
  ];
  const running: SessionManifest = { ...manifest, status: "running" };
  delete running.endedAt;
  delete running.parked;
  const writer = await store.reopen(key, cuts, running);
  const past = storedPast(
    store,
    key,
    rowsIn(transcript.subarray(0, offset)),
    rowsIn(transcript.subarray(offset)),
    cassetteBytes.subarray(0, cassetteKeep).toString("utf8"),
  );
  return { writer, paths: undefined, manifest: running, checkpoint, nextSeq: seq + 1, offset, past };
}

/**
 * Why what the store holds no longer matches `checkpoint` (as `resumeProblem` checks a session
 * directory): its offset must end the line of the row with its seq, a whole row right after it
 * must carry the next seq, and the io pack must still hold what its rows refer to.
 */
export function storedResumeProblem(transcript: Buffer, where: string, checkpoint: CheckpointRecord): string | undefined {
  const size = transcript.byteLength;
  const file = `${where}/${TRANSCRIPT}`;
  if (checkpoint.offset <= 0 || checkpoint.seq < 1) return `the checkpoint names no rows (seq ${checkpoint.seq}, offset ${checkpoint.offset})`;
  if (size < checkpoint.offset) return `it points at byte ${checkpoint.offset}, past the end of ${file} (${size} bytes)`;
  if (transcript[checkpoint.offset - 1] !== NEWLINE) return `byte ${checkpoint.offset} of ${file} is not the end of a line`;
  const start = transcript.lastIndexOf(NEWLINE, checkpoint.offset - 2) + 1;
  const row = parseTranscriptLine(transcript.subarray(start, checkpoint.offset - 1).toString("utf8"));
  if (row?.seq !== checkpoint.seq) {
    return `the row ending at byte ${checkpoint.offset} of ${file} is ${row ? `seq ${row.seq}` : "not a transcript row"}, not seq ${checkpoint.seq}`;
  }
  const ended = row.event === "runner/done" ? (row.data as { status?: string }).status : undefined;
  if (ended !== undefined && ended !== "done") return `it was written as the run ended (seq ${checkpoint.seq} is runner/done, status ${ended})`;
  const nextEnd = transcript.indexOf(NEWLINE, checkpoint.offset);
  const nextRow = nextEnd === -1 ? undefined : parseTranscriptLine(transcript.subarray(checkpoint.offset, nextEnd).toString("utf8"));
  if (nextRow && nextRow.seq !== checkpoint.seq + 1) {
    return `the row after byte ${checkpoint.offset} of ${file} is seq ${nextRow.seq}, not seq ${checkpoint.seq + 1}`;
  }
  return undefined;
}

/** Why the io pack no longer holds what the checkpoint's rows refer to (its recorded size, else every ref of those rows), or undefined. */
async function ioProblem(store: SessionStore, key: string, where: string, transcript: Buffer, checkpoint: CheckpointRecord): Promise<string | undefined> {
  let needed = checkpoint.ioSize ?? 0;
  if (checkpoint.ioSize === undefined) {
    for (const line of transcript.subarray(0, checkpoint.offset).toString("utf8").split("\n")) {
      for (const ref of ioRefs(line)) needed = Math.max(needed, ref.offset + ref.length);
    }
  }
  if (needed === 0) return undefined;
  const last = await store.blob(key, rangeRef(IO_PACK, needed - 1, 1));
  return last ? undefined : `${where}/${IO_PACK} holds less than the ${needed} bytes the checkpoint's rows refer to`;
}

/** The offset just past the last newline at or after `from` (the length when the bytes end with one; `from` when there is none). */
function lastLineEnd(bytes: Buffer, from: number): number {
  if (bytes.byteLength <= from) return bytes.byteLength;
  const at = bytes.lastIndexOf(NEWLINE);
  return at < from ? from : at + 1;
}

/** The whole rows of a stretch of transcript (a torn last line, or one that is not a row, is skipped). */
function rowsIn(bytes: Buffer): TranscriptRow[] {
  const rows: TranscriptRow[] = [];
  // What follows the last newline is empty, or a line torn before its end.
  for (const line of bytes.toString("utf8").split("\n").slice(0, -1)) {
    const row = line.trim() === "" ? undefined : parseTranscriptLine(line);
    if (row) rows.push(row);
  }
  return rows;
}
