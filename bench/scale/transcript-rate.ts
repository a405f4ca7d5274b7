/**
 * Transcript rows per second into one store: `sessions` runs at once, each a `streamedRun`, all
 * through the same store (one process, as a worker would hold them). The clock runs from the first
 * session's creation to the last row being durable, so it counts making the sessions too.
 */
import type { SessionManifest } from "../../core/src/runtime/session-dir.js";
import type { SessionStore } from "../../core/src/store/index.js";
import { streamedRun, type StreamedRunShape } from "./streamed-run.js";

export interface RateResult {
  rows: number;
  elapsedMs: number;
  rowsPerSecond: number;
}

const manifestOf = (sessionId: string, createdAt: number): SessionManifest => ({
  sessionId,
  chartId: "bench",
  chartModule: "bench/scale/streamed-run.ts",
  createdAt,
  status: "running",
});

/** Runs `sessions` streamed runs at once in `store`; session ids start with `prefix` (a store holds each id once). */
export async function transcriptRate(store: SessionStore, sessions: number, shape: StreamedRunShape, prefix: string): Promise<RateResult> {
  const started = performance.now();
  const runs: Promise<number>[] = [];
  for (let index = 0; index < sessions; index++) {
    runs.push(store.create({ manifest: manifestOf(`${prefix}-${index}`, Date.now()) }).then((writer) => streamedRun(writer, shape)));
  }
  const rows = (await Promise.all(runs)).reduce((sum, count) => sum + count, 0);
  const elapsedMs = performance.now() - started;
  return { rows, elapsedMs, rowsPerSecond: (rows / elapsedMs) * 1000 };
}
