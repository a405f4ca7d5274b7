/**
 * AG-UI encoding throughput: the events `--ag-ui` sends, from transcript rows of a long run.
 * Two figures, in AG-UI events per second on one core:
 * - encode: `@ag-ui/encoder`'s server-sent event framing of ready AG-UI events;
 * - map + encode: public events -> AG-UI events (the mapper) -> SSE text, the whole path after the
 *   public event stream.
 */
import { EventEncoder } from "@ag-ui/encoder";
import type { BaseEvent } from "@ag-ui/core";
import { createAgUiMapper, createPublicEventMapper, type PublicEvent } from "@escapement/core";
import type { TranscriptRow } from "@escapement/wire-schema";

export interface AgUiThroughput {
  publicEvents: number;
  agUiEvents: number;
  meanBytes: number;
  encodePerSec: number;
  mapEncodePerSec: number;
}

/** Repeats `pass` for at least `runMs`; returns the AG-UI events per second it reports. */
function rateOf(runMs: number, pass: () => number): number {
  pass(); // warm-up
  let events = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < runMs) {
    events += pass();
    elapsed = performance.now() - start;
  }
  return (events / elapsed) * 1000;
}

export function measureAgUiThroughput(rows: readonly TranscriptRow[], runMs: number): AgUiThroughput {
  const started: TranscriptRow = {
    seq: 0,
    ts: rows[0]?.ts ?? 0,
    event: "runner/started",
    data: { sessionId: "s-bench", runId: "run-bench", chartId: "flow", resumed: false },
  };
  const toPublic = createPublicEventMapper();
  const publicEvents: PublicEvent[] = [started, ...rows].flatMap(toPublic);
  const encoder = new EventEncoder();
  const toAgUi = createAgUiMapper();
  const agUiEvents: BaseEvent[] = publicEvents.flatMap(toAgUi);
  const bytes = agUiEvents.reduce((sum, event) => sum + encoder.encodeSSE(event).length, 0);
  let sink = 0;
  const encodePerSec = rateOf(runMs, () => {
    for (const event of agUiEvents) sink += encoder.encodeSSE(event).length;
    return agUiEvents.length;
  });
  const mapEncodePerSec = rateOf(runMs, () => {
    // A fresh mapper per pass: each pass is one run from its start.
    const map = createAgUiMapper();
    let count = 0;
    for (const event of publicEvents) {
      for (const agUi of map(event)) {
        sink += encoder.encodeSSE(agUi).length;
        count++;
      }
    }
    return count;
  });
  if (sink === 0) throw new Error("benchmark optimised away");
  return { publicEvents: publicEvents.length, agUiEvents: agUiEvents.length, meanBytes: bytes / agUiEvents.length, encodePerSec, mapEncodePerSec };
}
