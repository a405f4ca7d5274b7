import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { encodeFrame, framesFromRow, helloFrame, initialSequencerState, type OutboundFrame, type SequencerState, type TranscriptRow } from "@escapement/wire-schema";

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

const isRow = (value: unknown): value is TranscriptRow => {
  const row = value as Record<string, unknown> | null;
  return typeof row === "object" && row !== null && Number.isInteger(row.seq) && typeof row.ts === "number" && typeof row.event === "string";
};

/**
 * Streams a transcript into the wire frames a live renderer would have received: `hello`
 * (replay: true), then each row's frames. Line by line, so memory stays flat whatever the size,
 * and the first frame leaves before the file is fully read. Event frames reuse the row's own
 * text rather than encoding it again (the row *is* the event frame's payload).
 */
export async function* transcriptToWire(path: string, options: TranscriptToWireOptions = {}): AsyncGenerator<WireLine> {
  const lines = createInterface({ input: createReadStream(path, { encoding: "utf8", highWaterMark: 1 << 20 }), crlfDelay: Infinity });
  let state: SequencerState = initialSequencerState;
  let hello = false;
  let lineNo = 0;
  for await (const text of lines) {
    lineNo++;
    if (text.length === 0) continue;
    let row: unknown;
    try {
      row = JSON.parse(text);
    } catch {
      options.onSkip?.(lineNo, "not JSON (a torn line?)");
      continue;
    }
    if (!isRow(row)) {
      options.onSkip?.(lineNo, "not a transcript row");
      continue;
    }
    if (!hello) {
      hello = true;
      const frame = helloFor(row);
      yield { text: encodeFrame(frame), frame, ts: row.ts };
    }
    const step = framesFromRow(row, state);
    state = step.state;
    for (const frame of step.frames) {
      const encoded = frame.kind === "event" ? `{"v":1,"kind":"event","seq":${frame.seq},"row":${text}}` : encodeFrame(frame);
      yield { text: encoded, frame, ts: row.ts };
    }
  }
  if (!hello) {
    const frame = helloFor(undefined);
    yield { text: encodeFrame(frame), frame, ts: 0 };
  }
}

function helloFor(first: TranscriptRow | undefined): OutboundFrame {
  const data = first?.event === "runner/started" ? (first.data as { sessionId?: string; runId?: string; chartId?: string }) : {};
  return helloFrame({
    sessionId: data.sessionId ?? "unknown",
    runId: data.runId ?? "unknown",
    chartId: data.chartId ?? "unknown",
    replay: true,
  });
}
