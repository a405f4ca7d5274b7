import { expect, test } from "bun:test";
import type { OutboundFrame } from "@escapement/wire-schema";
import { applyFrame, initialViewState, logRowCount } from "../../src/domain/index.ts";

/** A transcript row as the core would send it, built directly (validation is not what is measured). */
const event = (seq: number, name: string, data: unknown): OutboundFrame => ({
  v: 1,
  kind: "event",
  seq,
  row: { seq, ts: 1_760_000_000_000 + seq, event: name, data },
});

const rowFor = (seq: number): OutboundFrame => {
  const invokeId = `worker-${seq % 7}`;
  switch (seq % 4) {
    case 0:
      return event(seq, "llm/tool-call", {
        invokeId,
        turn: 1,
        toolCallId: `call-${seq}`,
        name: "read_file",
        toolKind: "real",
        ref: `io/${invokeId}/1.call-${seq}.json`,
        snippet: `{"path":"src/module-${seq}.ts","encoding":"utf8"}`,
      });
    case 1:
      return event(seq, "llm/tool-result", {
        invokeId,
        turn: 1,
        toolCallId: `call-${seq - 1}`,
        name: "read_file",
        isError: false,
        ref: `io/${invokeId}/1.call-${seq - 1}.result.txt`,
        snippet: "export const value = 42; // and more text to fill a snippet line",
        meta: { bytes: 1834 },
      });
    case 2:
      return event(seq, "checkpoint/written", { seq, kind: "journal", ref: "checkpoints/journal.jsonl" });
    default:
      return event(seq, "runner/event-processed", {
        event: "TICK",
        eventData: { n: seq },
        before: ["c", "c.a"],
        after: ["c", "c.a"],
        entered: [],
        exited: [],
      });
  }
};

test("100,000 log rows stay far below the 300 MB budget", () => {
  Bun.gc(true);
  const before = process.memoryUsage().heapUsed;
  let state = initialViewState({ logCapacity: 100_000 });
  for (let seq = 1; seq <= 100_000; seq++) state = applyFrame(state, rowFor(seq));
  Bun.gc(true);
  const grown = process.memoryUsage().heapUsed - before;
  expect(logRowCount(state)).toBe(100_000);
  // Compact rows are a few hundred bytes each; the budget for the whole TUI is 300 MB.
  expect(grown).toBeLessThan(100 * 1024 * 1024);
  console.log(`100k log rows: ${(grown / 1024 / 1024).toFixed(1)} MB of heap`);
});
