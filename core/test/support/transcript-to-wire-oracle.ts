/**
 * The transcript -> wire transform as it was before rows were spliced unparsed: every line parsed
 * with `JSON.parse`, checked with `isTranscriptRow`, and put through the frames-only sequencer.
 * Kept only as the reference the spliced transform must equal byte for byte.
 */
import { createFramesOnlySequencer, encodeFrame, type OutboundFrame, type TranscriptRow } from "@escapement/wire-schema/runtime";
import { readLineBatches } from "../../src/runtime/read-lines.js";
import { isTranscriptRow } from "../../src/runtime/transcript-reader.js";
import { runStartedIds } from "../../src/replay/index.js";
import { helloFrame } from "@escapement/wire-schema/runtime";

export interface OracleLine {
  text: string;
  frame: OutboundFrame;
  ts: number;
}

function helloFor(first: TranscriptRow | undefined): OracleLine {
  const ids = first?.event === "runner/started" ? runStartedIds(first.data) : undefined;
  const frame = helloFrame({ sessionId: ids?.sessionId ?? "unknown", runId: ids?.runId ?? "unknown", chartId: ids?.chartId ?? "unknown", replay: true });
  return { text: encodeFrame(frame), frame, ts: first?.ts ?? 0 };
}

/** Batches as `transcriptToWireBatches` gave them, with the lines it skipped and why. */
export async function* oracleTranscriptToWireBatches(path: string, onSkip?: (line: number, reason: string) => void): AsyncGenerator<OracleLine[]> {
  const sequencer = createFramesOnlySequencer();
  let hello = false;
  let lineNo = 0;
  const rowOf = (text: string): TranscriptRow | undefined => {
    lineNo++;
    if (text.length === 0) return undefined;
    let row: unknown;
    try {
      row = JSON.parse(text);
    } catch {
      onSkip?.(lineNo, "not JSON (a torn line?)");
      return undefined;
    }
    if (isTranscriptRow(row)) return row;
    onSkip?.(lineNo, "not a transcript row");
    return undefined;
  };
  for await (const lines of readLineBatches(path)) {
    const batch: OracleLine[] = [];
    for (const text of lines) {
      const row = rowOf(text);
      if (row === undefined) continue;
      if (!hello) {
        hello = true;
        yield [helloFor(row)];
      }
      const ts = row.ts;
      for (const frame of sequencer.push(row)) {
        batch.push({ text: frame.kind === "event" ? `{"v":1,"kind":"event","seq":${frame.seq},"row":${text}}` : encodeFrame(frame), frame, ts });
      }
    }
    if (batch.length > 0) yield batch;
  }
  if (!hello) yield [helloFor(undefined)];
}
