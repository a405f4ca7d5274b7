/**
 * A transcript as a run that never parked would have written it: the rows a wake adds (its
 * `runner/started` and `runner/resumed`, the chart's start config, the open prompt asked again)
 * dropped, seqs renumbered, and what differs from run to run (times, run ids, io offsets) taken out.
 */
import type { TranscriptRow } from "../../src/runtime/transcript-row.js";

const varying = new Set(["ts", "elapsedMs", "ttftMs", "durationMs", "tokensPerSec", "runId", "ref"]);

export function unparkedShape(rows: readonly TranscriptRow[]): unknown[] {
  const kept: TranscriptRow[] = [];
  const open = new Set<string>();
  let resumed = false;
  for (const row of rows) {
    const data = row.data as Record<string, unknown>;
    if (row.event === "runner/started" && data["resumed"] === true) continue;
    if (row.event === "runner/resumed") {
      resumed = true;
      continue;
    }
    if (row.event === "runner/start-config" && resumed) {
      resumed = false;
      continue;
    }
    const promptId = typeof data["promptId"] === "string" ? data["promptId"] : undefined;
    if (row.event === "human-input/requested" && promptId !== undefined) {
      if (open.has(promptId)) continue;
      open.add(promptId);
    }
    if ((row.event === "human-input/answered" || row.event === "human-input/cancelled") && promptId !== undefined) open.delete(promptId);
    kept.push(row);
  }
  return kept.map((row, index) => JSON.parse(JSON.stringify({ ...row, seq: index + 1 }, (key, value: unknown) => (varying.has(key) ? undefined : value))));
}
