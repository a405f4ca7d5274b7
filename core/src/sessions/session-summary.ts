import type { TranscriptRow } from "@escapement/wire-schema";
import { dirname, resolve } from "node:path";
import type { ReadIssue } from "../runtime/transcript-reader.js";
import type { ParkedOn } from "../runtime/session-dir.js";
import { diskStore, type SessionStore } from "../store/index.js";
import { spreadOf, type Spread } from "./percentiles.js";
import { readSessionDir, readStoredManifest } from "./session-files.js";

export interface TokenTotals {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export interface ModelStats {
  turns: number;
  tokens: TokenTotals;
  costUsd: number;
}

/** What `list`, `show` and `stats` print about a session, computed in one pass over its transcript. */
export interface SessionSummary {
  sessionId: string;
  chartId: string;
  status: string;
  createdAt: number;
  endedAt?: number;
  parentSessionId?: string;
  /** While the session is parked: what it waits on. */
  parked?: ParkedOn;
  rows: number;
  turns: number;
  tokens: TokenTotals;
  costUsd: number;
  byModel: Record<string, ModelStats>;
  latencyMs: Spread;
  ttftMs: Spread;
  retries: number;
  failovers: number;
  latencySwitches: number;
  errors: number;
  artifacts: string[];
  /** The chart's active states when the run ended (the `runner/done` row's `finalConfig`). */
  finalConfig: string[];
  /** Lines of the transcript that could not be read (a torn last line after a crash, say). */
  unreadable: ReadIssue[];
}

const zeroTokens = (): TokenTotals => ({ input: 0, output: 0, cacheRead: 0, cacheWrite: 0 });

const addTokens = (into: TokenTotals, usage: Partial<TokenTotals> | undefined): void => {
  into.input += usage?.input ?? 0;
  into.output += usage?.output ?? 0;
  into.cacheRead += usage?.cacheRead ?? 0;
  into.cacheWrite += usage?.cacheWrite ?? 0;
};

/** Folds transcript rows into a summary; pure, so it is tested on row lists. */
export function createSummaryFolder(
  base: Pick<SessionSummary, "sessionId" | "chartId" | "status" | "createdAt"> & { endedAt?: number; parentSessionId?: string; parked?: ParkedOn },
) {
  const summary: SessionSummary = {
    ...base,
    rows: 0,
    turns: 0,
    tokens: zeroTokens(),
    costUsd: 0,
    byModel: {},
    latencyMs: { count: 0 },
    ttftMs: { count: 0 },
    retries: 0,
    failovers: 0,
    latencySwitches: 0,
    errors: 0,
    artifacts: [],
    finalConfig: [],
    unreadable: [],
  };
  const latencies: number[] = [];
  const ttfts: number[] = [];
  return {
    add(row: TranscriptRow): void {
      summary.rows++;
      const data = (row.data ?? {}) as Record<string, any>;
      switch (row.event) {
        case "llm/response": {
          summary.turns++;
          addTokens(summary.tokens, data.usage);
          const cost = typeof data.costUsd === "number" ? data.costUsd : 0;
          summary.costUsd += cost;
          const target = String(data.target ?? "unknown");
          const stats = (summary.byModel[target] ??= { turns: 0, tokens: zeroTokens(), costUsd: 0 });
          stats.turns++;
          addTokens(stats.tokens, data.usage);
          stats.costUsd += cost;
          if (typeof data.elapsedMs === "number") latencies.push(data.elapsedMs);
          if (typeof data.ttftMs === "number") ttfts.push(data.ttftMs);
          break;
        }
        case "llm/retry":
          summary.retries++;
          break;
        case "llm/model-down":
          summary.failovers++;
          break;
        case "llm/latency-switch":
          summary.latencySwitches++;
          break;
        case "llm/error":
        case "runner/error":
          summary.errors++;
          break;
        case "artifact/captured":
          if (!summary.artifacts.includes(data.name)) summary.artifacts.push(data.name);
          break;
        case "runner/done":
          summary.finalConfig = Array.isArray(data.finalConfig) ? data.finalConfig : [];
          break;
      }
    },
    issue(issue: ReadIssue): void {
      summary.unreadable.push(issue);
    },
    result(): SessionSummary {
      summary.latencyMs = spreadOf(latencies);
      summary.ttftMs = spreadOf(ttfts);
      return summary;
    },
  };
}

/** Streams a session's transcript (constant memory) into its summary. */
export async function summarizeSession(dir: string): Promise<SessionSummary> {
  readSessionDir(dir);
  return summarizeStoredSession(diskStore({ root: dirname(resolve(dir)), cwd: dirname(resolve(dir)) }), resolve(dir));
}

/** `summarizeSession` for a session of any store (`key` from its `locate` or `list`). */
export async function summarizeStoredSession(store: SessionStore, key: string): Promise<SessionSummary> {
  const manifest = await readStoredManifest(store, key);
  const folder = createSummaryFolder({
    sessionId: manifest.sessionId,
    chartId: manifest.chartId,
    status: manifest.status,
    createdAt: manifest.createdAt,
    ...(manifest.endedAt === undefined ? {} : { endedAt: manifest.endedAt }),
    ...(manifest.parentSessionId === undefined ? {} : { parentSessionId: manifest.parentSessionId }),
    ...(manifest.status === "parked" && manifest.parked ? { parked: manifest.parked } : {}),
  });
  for await (const row of store.rows(key, { onIssue: (issue) => folder.issue(issue) })) folder.add(row);
  return folder.result();
}
