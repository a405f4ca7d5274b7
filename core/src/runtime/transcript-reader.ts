import { readLineBatches } from "./read-lines.js";
import type { TranscriptRow } from "./transcript-row.js";

export interface ReadIssue {
  line: number;
  reason: string;
}

export interface ReadTranscriptOptions {
  /** Called for every line that is not a valid row (a torn last line included). */
  onIssue?: (issue: ReadIssue) => void;
}

/** The shape every reader requires of a transcript line: integer `seq`, number `ts`, string `event`. */
export const isTranscriptRow = (value: unknown): value is TranscriptRow => {
  if (typeof value !== "object" || value === null) return false;
  const row = value as Record<string, unknown>;
  return Number.isInteger(row.seq) && typeof row.ts === "number" && typeof row.event === "string";
};

/** Streams rows line by line (memory does not grow with the file); bad lines are reported, never fatal. */
/** The row a transcript line holds, or undefined when it is not JSON or not a row. */
export const parseTranscriptLine = (text: string): TranscriptRow | undefined => {
  try {
    const value = JSON.parse(text) as unknown;
    return isTranscriptRow(value) ? value : undefined;
  } catch {
    return undefined;
  }
};

export async function* readTranscript(path: string, options: ReadTranscriptOptions = {}): AsyncGenerator<TranscriptRow> {
  let line = 0;
  for await (const batch of readLineBatches(path)) {
    for (const text of batch) {
      line++;
      const row = rowOf(text, line, options);
      if (row !== undefined) yield row;
    }
  }
}

/** The row on one line, or undefined (blank, or reported as an issue). */
function rowOf(text: string, line: number, options: ReadTranscriptOptions): TranscriptRow | undefined {
  if (text.trim() === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    options.onIssue?.({ line, reason: `not JSON (${(error as Error).message})` });
    return undefined;
  }
  if (!isTranscriptRow(parsed)) {
    options.onIssue?.({ line, reason: "not a transcript row (needs integer seq, number ts, string event)" });
    return undefined;
  }
  return parsed;
}

export async function readAllRows(path: string, options: ReadTranscriptOptions = {}): Promise<TranscriptRow[]> {
  const rows: TranscriptRow[] = [];
  for await (const row of readTranscript(path, options)) rows.push(row);
  return rows;
}
