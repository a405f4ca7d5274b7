import { closeSync, openSync, readSync } from "node:fs";
import type { TranscriptRow } from "../runtime/transcript-row.js";

/**
 * Reads the transcript rows with `from <= seq <= to` synchronously, in 64 KiB chunks (memory
 * does not grow with the file). Used once, when a live hub starts on a resumed session and must
 * number frames from the rows an earlier process wrote. Lines that are not rows are skipped.
 */
export function readRowsSync(path: string, from: number, to: number, onRow: (row: TranscriptRow) => void): void {
  if (to < from) return;
  const fd = openSync(path, "r");
  try {
    const chunk = Buffer.alloc(64 * 1024);
    let carry = Buffer.alloc(0);
    let position = 0;
    for (;;) {
      const read = readSync(fd, chunk, 0, chunk.length, position);
      if (read === 0) break;
      position += read;
      let data = Buffer.concat([carry, chunk.subarray(0, read)]);
      let newline: number;
      while ((newline = data.indexOf(0x0a)) >= 0) {
        const line = data.subarray(0, newline).toString("utf8");
        data = data.subarray(newline + 1);
        const row = parseRow(line);
        if (!row || row.seq < from) continue;
        if (row.seq > to) return;
        onRow(row);
      }
      carry = Buffer.from(data);
    }
  } finally {
    closeSync(fd);
  }
}

const parseRow = (line: string): TranscriptRow | undefined => {
  if (line.trim() === "") return undefined;
  try {
    const value = JSON.parse(line) as TranscriptRow;
    return Number.isInteger(value.seq) && typeof value.event === "string" ? value : undefined;
  } catch {
    return undefined;
  }
};
