/**
 * A live run's public events: its transcript rows mapped (public-events.ts) with the chart's
 * context woven in. The runner tells the context at each checkpoint that changed it, before the
 * flush's rows reach the taps; a host should see those rows first, and the context before the
 * terminal event (nothing follows that one). This mapper holds the context until then.
 */
import { terminalPublicEventTypes, type PublicEvent, type TranscriptRow } from "@escapement/wire-schema";
import { createPublicEventMapper, initialPublicEventState, type PublicEventState } from "./public-events.js";

export interface LiveEventMapper {
  /** The runner's `onContext`: kept until the rows of its flush are mapped. */
  context(context: unknown, seq: number): void;
  /** A flush's rows (a tap's argument) -> their public events, and the context told before them. */
  rows(rows: readonly TranscriptRow[]): PublicEvent[];
}

const terminal: ReadonlySet<string> = new Set(terminalPublicEventTypes);

export function createLiveEventMapper(initial: PublicEventState = initialPublicEventState()): LiveEventMapper {
  const map = createPublicEventMapper(initial);
  let pending: { context: unknown; seq: number } | undefined;
  /** The run's ids and the last row's time, from the events so far: a context event carries them too. */
  let last: { sessionId: string; runId: string; ts: number } | undefined;

  const flushContext = (out: PublicEvent[]): void => {
    if (!pending || !last) return;
    out.push({ type: "chart-context", sessionId: last.sessionId, runId: last.runId, seq: pending.seq, ts: last.ts, context: pending.context });
    pending = undefined;
  };

  return {
    context: (context, seq) => void (pending = { context, seq }),
    rows: (rows) => {
      const out: PublicEvent[] = [];
      for (const row of rows) {
        for (const event of map(row)) {
          // A fleet child's events carry its own ids; the context is this run's.
          if (event.childSessionId === undefined) last = { sessionId: event.sessionId, runId: event.runId, ts: event.ts };
          if (terminal.has(event.type) && event.childSessionId === undefined) flushContext(out);
          out.push(event);
        }
      }
      flushContext(out);
      return out;
    },
  };
}
