/**
 * Paces the synthetic run into a row sink (the wire hub's `ingest`): every tick, the tokens due by
 * then at `tokensPerSec`, as one batch (a runner flushes its transcript in batches too).
 */
import type { TranscriptRow } from "@escapement/wire-schema";
import { tokenRows, type Row } from "./synthetic-run.js";

/** Numbers rows from seq 1 as a transcript does and hands them on. */
export const numberedSink = (ingest: (rows: readonly TranscriptRow[]) => void): ((rows: readonly Row[]) => void) => {
  let seq = 0;
  return (rows) => ingest(rows.map((row) => ({ ...row, seq: ++seq }) as TranscriptRow));
};

export interface FeedOptions {
  readonly sink: (rows: readonly Row[]) => void;
  readonly conversations: number;
  readonly tokensPerSec: number;
  readonly tickMs: number;
  readonly now: () => number;
  /** Calls `fn` every `ms`; returns the function that stops it. */
  readonly every: (fn: () => void, ms: number) => () => void;
}

export interface Feed {
  /** Tokens sent so far. */
  readonly sent: () => number;
  /** Rows sent so far (deltas and the turns' rows). */
  readonly rows: () => number;
  readonly stop: () => void;
}

export const startFeed = (options: FeedOptions): Feed => {
  const start = options.now();
  let sent = 0;
  let rows = 0;
  const tick = () => {
    const due = Math.floor(((options.now() - start) * options.tokensPerSec) / 1000);
    if (due <= sent) return;
    const batch: Row[] = [];
    const ts = Date.now();
    for (; sent < due; sent++) batch.push(...tokenRows(sent, options.conversations, ts));
    rows += batch.length;
    options.sink(batch);
  };
  const stop = options.every(tick, options.tickMs);
  return { sent: () => sent, rows: () => rows, stop };
};
