/**
 * Parked sessions in one process (part (a) of the scale bench): `sessions` runs of a one-prompt
 * chart, each with the inbox as its human and parking on, run `concurrency` at a time until every
 * one has parked into a `ParkingLot`; then the process's RSS, and the latency of `wakes` wakes one
 * after another: from the answer being posted to the session's inbox to the woken run's
 * `human-input/answered` row being durable (a tap sees rows only once the store acknowledged them).
 */
import { setup } from "xstate";
import { defineChart } from "../../core/src/engine/index.js";
import { runChart, type RunResult } from "../../core/src/engine/runner.js";
import { askHuman } from "../../core/src/chart/human-input.js";
import { inlineActors } from "../../core/src/chart/index.js";
import { InboxHuman } from "../../core/src/human/index.js";
import { scriptedModel } from "../../core/src/llm/scripted-model.js";
import { ParkingLot } from "../../core/src/pool/parking-lot.js";
import type { RowTap } from "../../core/src/runtime/transcript-writer.js";
import type { SessionStore } from "../../core/src/store/index.js";

const machine = setup({ actors: inlineActors }).createMachine({
  id: "parked",
  initial: "asking",
  states: {
    asking: { invoke: { ...askHuman({ id: "go", kind: "confirm", message: "Go on?" }), onDone: "done" } },
    done: { type: "final" },
  },
});
const chart = defineChart({ id: "parked", machine, description: "One prompt, then done." });

export interface ParkedResult {
  sessions: number;
  parkMs: number;
  rssBefore: number;
  rssAfter: number;
  heapBefore: number;
  heapAfter: number;
  /** Wake latencies, ms, sorted. */
  latencies: number[];
}

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
const settle = async (): Promise<void> => {
  // Twice, with a turn between: what the first frees may hold what the second can.
  gc();
  await new Promise((resolve) => setTimeout(resolve, 50));
  gc();
};

export async function parkedSessions(
  store: SessionStore,
  options: { sessions: number; wakes: number; concurrency: number; prefix: string },
): Promise<ParkedResult> {
  const answered = new Map<string, (at: number) => void>();
  // Each woken run gets its own tap: a row does not carry its session.
  const run = (sessionId: string, afterSeq: number, resume: boolean): Promise<RunResult> => {
    const human = new InboxHuman({ inbox: store.inbox!, sessionId, afterSeq });
    const own: RowTap = (rows) => {
      for (const row of rows) if (row.event === "human-input/answered") answered.get(sessionId)?.(performance.now());
    };
    return runChart({
      chart,
      model: scriptedModel([]),
      store,
      ids: { sessionId: () => sessionId, runId: () => `${sessionId}-run`, token: () => `${sessionId}-token` },
      human,
      taps: resume ? [own] : [],
      park: { afterMs: 0, intervalMs: 20, inboxSeq: () => human.cursor },
      ...(resume ? { resume: sessionId } : {}),
    });
  };
  const failures: string[] = [];
  const lot = new ParkingLot({
    store,
    resume: (sessionId, parked) => run(sessionId, parked.inboxSeq, true),
    onError: (sessionId, error) => {
      failures.push(`${sessionId}: ${(error as Error)?.message ?? String(error)}`);
      answered.get(sessionId)?.(NaN);
    },
  });
  try {
    await settle();
    const before = process.memoryUsage();
    const started = performance.now();
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < options.sessions) {
        const sessionId = `${options.prefix}-${next++}`;
        const result = await run(sessionId, 0, false);
        if (result.status !== "parked" || !result.parked)
          throw new Error(`session ${sessionId} ended ${result.status}, not parked: ${result.error?.message ?? ""}`);
        await lot.park(sessionId, result.parked);
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, lane));
    const parkMs = performance.now() - started;
    await settle();
    const after = process.memoryUsage();

    const latencies: number[] = [];
    const step = Math.max(1, Math.floor(options.sessions / options.wakes));
    for (let index = 0; index < options.sessions && latencies.length < options.wakes; index += step) {
      const sessionId = `${options.prefix}-${index}`;
      const durable = new Promise<number>((resolve) => answered.set(sessionId, resolve));
      const posted = performance.now();
      await store.inbox!.post(sessionId, { kind: "answer", promptId: "go", answer: { value: true } });
      const at = await durable;
      if (Number.isNaN(at)) throw new Error(`waking session ${sessionId} failed: ${failures.at(-1)}`);
      latencies.push(at - posted);
      answered.delete(sessionId);
      // One wake at a time: latency, not throughput.
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return {
      sessions: options.sessions,
      parkMs,
      rssBefore: before.rss,
      rssAfter: after.rss,
      heapBefore: before.heapUsed,
      heapAfter: after.heapUsed,
      latencies: latencies.sort((a, b) => a - b),
    };
  } finally {
    await lot.close();
  }
}

/** The value at a fraction of sorted values (nearest rank). */
export const percentile = (sorted: readonly number[], fraction: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? NaN;
