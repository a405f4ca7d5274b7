import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
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
export async function* readTranscript(path: string, options: ReadTranscriptOptions = {}): AsyncGenerator<TranscriptRow> {
  const lines = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === "") continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      options.onIssue?.({ line, reason: `not JSON (${(error as Error).message})` });
      continue;
    }
    if (!isTranscriptRow(parsed)) {
      options.onIssue?.({ line, reason: "not a transcript row (needs integer seq, number ts, string event)" });
      continue;
    }
    yield parsed;
  }
}

export async function readAllRows(path: string, options: ReadTranscriptOptions = {}): Promise<TranscriptRow[]> {
  const rows: TranscriptRow[] = [];
  for await (const row of readTranscript(path, options)) rows.push(row);
  return rows;
}
