/**
 * The one lossy-looking step the wire allows: consecutive llm/delta event frames queued for a
 * slow connection may merge into one. Text is concatenated, nothing is dropped, and the merged
 * frame says which seq range it stands for (`coalescedFrom`..`seq`).
 */
import type { EventFrame, OutboundFrame } from "./frames-outbound.js";

interface DeltaData {
  invokeId: string;
  turn: number;
  kind: string;
  text: string;
}

const deltaOf = (frame: OutboundFrame): DeltaData | undefined => {
  if (frame.kind !== "event" || frame.row.event !== "llm/delta") return undefined;
  const data = frame.row.data as Partial<DeltaData> | null;
  if (typeof data !== "object" || data === null) return undefined;
  const { invokeId, turn, kind, text } = data;
  if (typeof invokeId !== "string" || typeof turn !== "number" || typeof kind !== "string" || typeof text !== "string") {
    return undefined;
  }
  return { invokeId, turn, kind, text };
};

/**
 * `prev` and `next` merged, when both are llm/delta event frames of the same conversation, turn
 * and kind with adjacent seqs; otherwise undefined. The result keeps `next`'s seq, row.seq and
 * row.ts and the first frame of the range as `coalescedFrom`.
 */
export const coalesceDeltas = (prev: OutboundFrame, next: OutboundFrame): EventFrame | undefined => {
  const a = deltaOf(prev);
  const b = deltaOf(next);
  if (!a || !b || prev.kind !== "event" || next.kind !== "event") return undefined;
  if (next.seq !== prev.seq + 1 || a.invokeId !== b.invokeId || a.turn !== b.turn || a.kind !== b.kind) return undefined;
  return {
    ...next,
    coalescedFrom: prev.coalescedFrom ?? prev.seq,
    row: { ...next.row, data: { ...(next.row.data as object), text: a.text + b.text } },
  };
};

/** The first stream seq a frame covers: `coalescedFrom` for a merged frame, else its seq. */
export const firstSeqOf = (frame: { seq: number; coalescedFrom?: number }): number => frame.coalescedFrom ?? frame.seq;
