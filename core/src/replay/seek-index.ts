import { createFramesOnlySequencer, type SeekTarget, type TranscriptRow } from "@escapement/wire-schema/runtime";

/** What a playback needs to know of a whole transcript to seek in it: its ends and its landmarks. */
export interface SeekIndex {
  /** Seq of the first row (0 when there is none). */
  readonly firstRowSeq: number;
  /** Seq of the last row (0 when there is none). */
  readonly lastRowSeq: number;
  readonly firstTs?: number;
  readonly lastTs?: number;
  /** Seqs of the rows that start an llm turn (`llm/request`), ascending. */
  readonly turns: readonly number[];
  /** Seqs of the rows that move the chart (those that derive a `phase` frame), ascending. */
  readonly phases: readonly number[];
}

/** Reads every row once, keeping only seqs and times; memory grows with the landmarks, not the rows. */
export async function buildSeekIndex(rows: AsyncIterable<TranscriptRow>): Promise<SeekIndex> {
  const sequencer = createFramesOnlySequencer();
  const turns: number[] = [];
  const phases: number[] = [];
  let first: TranscriptRow | undefined;
  let last: TranscriptRow | undefined;
  for await (const row of rows) {
    // A row out of order (a damaged transcript) cannot be sought to; the playback skips it too.
    if (last && row.seq <= last.seq) continue;
    first ??= row;
    last = row;
    if (row.event === "llm/request") turns.push(row.seq);
    if (sequencer.push(row).some((frame) => frame.kind === "phase")) phases.push(row.seq);
  }
  return {
    firstRowSeq: first?.seq ?? 0,
    lastRowSeq: last?.seq ?? 0,
    ...(first ? { firstTs: first.ts, lastTs: last!.ts } : {}),
    turns,
    phases,
  };
}

export type SeekResolution = { ok: true; rowSeq: number } | { ok: false; message: string };

/** The first landmark after `position`, or the last one before it. */
const after = (marks: readonly number[], position: number): number | undefined => marks.find((seq) => seq > position);
const before = (marks: readonly number[], position: number): number | undefined => marks.findLast((seq) => seq < position);

/**
 * Where `to` goes from `position` (the seq of the last row shown): the seq of the row to show
 * last. A seq past the end is the end, one before the start the start. Pure.
 */
export function resolveSeek(index: SeekIndex, position: number, to: SeekTarget): SeekResolution {
  if (index.lastRowSeq === 0) return { ok: false, message: "the transcript has no rows" };
  const found = (rowSeq: number | undefined, none: string): SeekResolution => (rowSeq === undefined ? { ok: false, message: none } : { ok: true, rowSeq });
  switch (to) {
    case "start":
      return { ok: true, rowSeq: index.firstRowSeq };
    case "end":
      return { ok: true, rowSeq: index.lastRowSeq };
    case "next-turn":
      return found(after(index.turns, position), `no llm turn after row ${position}`);
    case "previous-turn":
      return found(before(index.turns, position), `no llm turn before row ${position}`);
    case "next-phase":
      return found(after(index.phases, position), `no chart phase after row ${position}`);
    case "previous-phase":
      return found(before(index.phases, position), `no chart phase before row ${position}`);
    default:
      return { ok: true, rowSeq: Math.min(index.lastRowSeq, Math.max(index.firstRowSeq, to)) };
  }
}
