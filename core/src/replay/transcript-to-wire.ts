import { readLineBatches } from "../runtime/read-lines.js";
import { isTranscriptRow } from "../runtime/transcript-reader.js";
import { createFramesOnlySequencer, encodeFrame, helloFrame, type OutboundFrame, type TranscriptRow } from "@escapement/wire-schema/runtime";

export interface WireLine {
  /** One encoded frame (no newline). */
  text: string;
  frame: OutboundFrame;
  /** Recorded time of the transcript row this frame comes from (hello: the first row's). */
  ts: number;
}

export interface TranscriptToWireOptions {
  /** A line that is not a transcript row (torn, not JSON, wrong shape): skipped, reported here. */
  onSkip?: (line: number, reason: string) => void;
}

const nonEmpty = (value: unknown): value is string => typeof value === "string" && value.length > 0;

/**
 * The run ids of a `runner/started` row's data when that data is valid (`sessionId`, `runId`,
 * `chartId` non-empty, `resumed` a boolean, `parentSessionId` absent or non-empty), as
 * `replayFrames` decides it; a test holds this to the schema. Checked by hand so the `hello`
 * leaves before the validators are compiled.
 */
export const runStartedIds = (data: unknown): { sessionId: string; runId: string; chartId: string } | undefined => {
  if (typeof data !== "object" || data === null || Array.isArray(data)) return undefined;
  const { sessionId, runId, chartId, resumed, parentSessionId } = data as Record<string, unknown>;
  if (!nonEmpty(sessionId) || !nonEmpty(runId) || !nonEmpty(chartId) || typeof resumed !== "boolean") return undefined;
  if (parentSessionId !== undefined && !nonEmpty(parentSessionId)) return undefined;
  return { sessionId, runId, chartId };
};

/** `hello` (replay: true) with the ids of the first row when it is a valid runner/started, as `replayFrames` has it. */
function helloFor(first: TranscriptRow | undefined): WireLine {
  const ids = first?.event === "runner/started" ? runStartedIds(first.data) : undefined;
  const frame = helloFrame({
    sessionId: ids?.sessionId ?? "unknown",
    runId: ids?.runId ?? "unknown",
    chartId: ids?.chartId ?? "unknown",
    replay: true,
  });
  return { text: encodeFrame(frame), frame, ts: first?.ts ?? 0 };
}

/**
 * Streams a transcript into the wire frames a live renderer would have received, in batches (one
 * per chunk read; the `hello` alone first): `hello` (replay: true), then each row's frames. Memory
 * stays flat whatever the size, and the first frame leaves before the file is fully read. Event
 * frames reuse the row's own text rather than encoding it again (the row *is* the event frame's
 * payload). Frames come from the frames-only sequencer (a replay never asks for a snapshot), which
 * gives the frames of the pure `framesFromRow` fold; so the frames equal `replayFrames`.
 */
export async function* transcriptToWireBatches(path: string, options: TranscriptToWireOptions = {}): AsyncGenerator<WireLine[]> {
  const sequencer = createFramesOnlySequencer();
  const onSkip = options.onSkip;
  let hello = false;
  let lineNo = 0;
  /** The row on a line, or undefined (a blank line, or one skipped and reported). */
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
    const batch: WireLine[] = [];
    for (const text of lines) {
      const row = rowOf(text);
      if (row === undefined) continue;
      if (!hello) {
        hello = true;
        // Out on its own, before the first row wakes the validators.
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

/** `transcriptToWireBatches`, one frame at a time. */
export async function* transcriptToWire(path: string, options: TranscriptToWireOptions = {}): AsyncGenerator<WireLine> {
  for await (const batch of transcriptToWireBatches(path, options)) {
    for (const line of batch) yield line;
  }
}
