/**
 * The live public stream weaves the chart's context (told by the runner at each checkpoint, before
 * the flush's rows reach the taps) in after the rows of its flush and before the terminal event.
 */
import type { TranscriptRow } from "@escapement/wire-schema";
import { describe, expect, it } from "vitest";
import { createLiveEventMapper } from "../../src/lib/live-events.js";

let seq = 0;
const row = (event: string, data: unknown): TranscriptRow => ({ seq: ++seq, ts: 1_000 + seq, event, data }) as TranscriptRow;

describe("createLiveEventMapper", () => {
  it("puts the context after its flush's rows, and before the terminal event", () => {
    seq = 0;
    const live = createLiveEventMapper();
    const started = [row("runner/started", { sessionId: "s", runId: "r", chartId: "c", resumed: false }), row("runner/start-config", { config: ["a"] })];
    live.context({ n: 0 }, 2);
    expect(live.rows(started).map((event) => event.type)).toEqual(["run-started", "chart-config", "chart-context"]);

    const ending = [
      row("runner/event-processed", { event: "go", before: ["a"], after: ["b"], entered: ["b"], exited: ["a"] }),
      row("runner/done", { finalConfig: ["b"], status: "done" }),
    ];
    live.context({ n: 1 }, 4);
    const events = live.rows(ending);
    expect(events.map((event) => event.type)).toEqual(["chart-event", "chart-config", "chart-context", "run-done"]);
    expect(events[2]).toEqual({ type: "chart-context", sessionId: "s", runId: "r", seq: 4, ts: 1_004, context: { n: 1 } });
  });

  it("tells nothing before the run's ids are known, and nothing twice", () => {
    seq = 0;
    const live = createLiveEventMapper();
    live.context({ n: 0 }, 0);
    expect(live.rows([])).toEqual([]);
    expect(live.rows([row("runner/started", { sessionId: "s", runId: "r", chartId: "c", resumed: false })]).map((event) => event.type)).toEqual([
      "run-started",
      "chart-context",
    ]);
    expect(live.rows([row("runner/start-config", { config: ["a"] })]).map((event) => event.type)).toEqual(["chart-config"]);
  });
});
