/**
 * Reading a session's files from their text, for the stores that keep a session's files as bytes
 * (memory, Postgres) rather than in a directory the runtime's readers open.
 */
import { parseCheckpointRecord, type CheckpointRecord } from "../runtime/checkpoint-store.js";
import { splitLines } from "../runtime/read-lines.js";
import { parseTranscriptLine, type ReadIssue } from "../runtime/transcript-reader.js";
import type { TranscriptRow } from "../runtime/transcript-row.js";

/** The rows of a transcript's text, in order; a line that is not a row goes to `onIssue`. The text may still be coming. */
export async function* rowsOfText(text: string | undefined | Promise<string | undefined>, onIssue?: (issue: ReadIssue) => void): AsyncGenerator<TranscriptRow> {
  let line = 0;
  for (const lineText of splitLines((await text) ?? "")) {
    line++;
    if (lineText.trim() === "") continue;
    const row = parseTranscriptLine(lineText);
    if (row) yield row;
    else onIssue?.({ line, reason: "not a transcript row (needs integer seq, number ts, string event)" });
  }
}

/** The later of the snapshot and the journal's last whole record, as `CheckpointStore.load` picks them. */
export function latestCheckpoint(snapshot: string | undefined, journal: string | undefined): CheckpointRecord | undefined {
  const fromSnapshot = snapshot === undefined ? undefined : parseCheckpointRecord(snapshot);
  const lines = splitLines(journal ?? "").filter((line) => line.length > 0);
  let fromJournal: CheckpointRecord | undefined;
  for (let index = lines.length - 1; index >= 0 && !fromJournal; index--) fromJournal = parseCheckpointRecord(lines[index]!);
  if (fromJournal && (!fromSnapshot || fromJournal.seq >= fromSnapshot.seq)) return fromJournal;
  return fromSnapshot;
}
