import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { validateTranscriptRow } from "@escapement/wire-schema";
import { afterEach, expect } from "vitest";
import type { AnyStateMachine } from "xstate";
import { defineChart, runChart, type ChartDefinition, type RunChartOptions, type RunResult } from "../../src/engine/index.js";
import type { HumanRenderer } from "../../src/human/index.js";
import { ScriptedModel, scriptedModel, type ModelClient, type ModelRequest, type Script } from "../../src/llm/index.js";
import { readAllRows, sequentialIds, type TranscriptRow } from "../../src/runtime/index.js";

const made: string[] = [];

afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh real directory, removed after the test. */
export const tempDir = (prefix = "escapement-chart-test-"): string => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
};

export interface RunOutcome {
  result: RunResult;
  rows: TranscriptRow[];
  model: ScriptedModel | undefined;
  elapsedMs: number;
}

export interface ScriptedRunOptions extends Partial<Omit<RunChartOptions, "chart" | "model">> {
  /** A machine (wrapped in a chart definition) or a chart definition. */
  chart: AnyStateMachine | ChartDefinition;
  script?: Script;
  model?: ModelClient;
  human?: HumanRenderer;
}

const durableReads = (path: string): number => {
  const text = readFileSync(path, "utf8");
  let max = 0;
  for (const line of text.split("\n")) {
    if (line.length === 0) continue;
    max = Math.max(max, (JSON.parse(line) as { seq: number }).seq);
  }
  return max;
};

/**
 * Runs a chart with `runChart` in a real temp session directory, then checks the transcript
 * invariants every run must keep (see `expectTranscriptInvariants`) and that every row was on
 * disk before a tap saw it.
 */
export async function runScripted(options: ScriptedRunOptions): Promise<RunOutcome> {
  const { chart, script, model: given, ...rest } = options;
  const definition: ChartDefinition = "machine" in chart ? chart : defineChart({ id: chart.id || "test-chart", machine: chart });
  const model = given ?? scriptedModel(script ?? []);
  const sessionDir = rest.sessionDir ?? join(tempDir(), "session");
  const transcriptPath = join(sessionDir, "transcript.jsonl");
  const tapped: TranscriptRow[] = [];
  const notDurable: string[] = [];
  const durability = (rows: readonly TranscriptRow[]): void => {
    const onDisk = durableReads(transcriptPath);
    for (const row of rows) if (row.seq > onDisk) notDurable.push(`seq ${row.seq} (${row.event}) tapped before it was on disk (disk has ${onDisk})`);
    tapped.push(...rows);
  };
  const started = Date.now();
  const result = await runChart({
    ids: sequentialIds(),
    ...rest,
    chart: definition,
    model,
    sessionDir,
    taps: [durability, ...(rest.taps ?? [])],
  });
  const elapsedMs = Date.now() - started;
  const rows = await readAllRows(result.transcriptPath);
  expectTranscriptInvariants(rows, result);
  expect(notDurable).toEqual([]);
  // Every row reaches the taps exactly once, in order.
  expect(tapped.map((row) => row.seq)).toEqual(rows.map((row) => row.seq));
  return { result, rows, model: model instanceof ScriptedModel ? model : undefined, elapsedMs };
}

/**
 * seq gap-free from 1, runner/started first, runner/done last (and once), ts never going back,
 * manifest status matches, every row valid against the wire schema.
 */
export function expectTranscriptInvariants(rows: readonly TranscriptRow[], result: RunResult): void {
  expect(rows.length).toBeGreaterThanOrEqual(2);
  expect(rows.map((row) => row.seq)).toEqual(rows.map((_, index) => index + 1));
  expect(rows[0]!.event).toBe("runner/started");
  expect(rows[rows.length - 1]!.event).toBe("runner/done");
  expect(rows.filter((row) => row.event === "runner/done")).toHaveLength(1);
  expect((rows[rows.length - 1]!.data as { status: string }).status).toBe(result.status);
  const manifest = JSON.parse(readFileSync(join(result.sessionDir, "session.json"), "utf8")) as { status: string };
  // A run stopped because its session could not be written is left resumable.
  expect(manifest.status).toBe(result.error?.category === "session-io" ? "interrupted" : result.status);
  for (let index = 1; index < rows.length; index++) expect(rows[index]!.ts).toBeGreaterThanOrEqual(rows[index - 1]!.ts);
  // A row is the payload of a wire event frame: every row (data included) satisfies the wire schema.
  const invalid = rows.flatMap((row) => {
    const checked = validateTranscriptRow(row);
    return checked.ok ? [] : [`seq ${row.seq} ${row.event}: ${JSON.stringify(checked.error)}`];
  });
  expect(invalid).toEqual([]);
}

export const rowsOf = (rows: readonly TranscriptRow[], event: string, where: Record<string, unknown> = {}): TranscriptRow[] =>
  rows.filter((row) => row.event === event && Object.entries(where).every(([key, value]) => (row.data as Record<string, unknown>)[key] === value));

export interface ProcessedEvent {
  event: string;
  eventData?: Record<string, unknown>;
  before: string[];
  after: string[];
}

/** The chart events the runner processed, in order. */
export const processed = (rows: readonly TranscriptRow[], type?: string): ProcessedEvent[] =>
  rows
    .filter((row) => row.event === "runner/event-processed")
    .map((row) => row.data as ProcessedEvent)
    .filter((data) => type === undefined || data.event === type);

export const seqOf = (rows: readonly TranscriptRow[], event: string, where: Record<string, unknown> = {}): number => {
  const row = rowsOf(rows, event, where)[0];
  if (!row) throw new Error(`no ${event} row matching ${JSON.stringify(where)}`);
  return row.seq;
};

/** All text of a request's messages (text blocks and tool-result outputs), for "does the model see X" checks. */
export const requestText = (request: ModelRequest): string =>
  request.messages
    .flatMap((message) => message.content)
    .map((block) => (block.type === "text" ? block.text : block.type === "tool-result" ? block.output : ""))
    .join("\n");

export const callsOf = (model: ScriptedModel, invokeId: string): ModelRequest[] => model.calls.filter((call) => call.origin.invokeId === invokeId);

export interface CallRecord {
  request: ModelRequest;
  startedAt: number;
  /** "resolved", or the rejection's LlmError category. */
  outcome?: string;
  settledAt?: number;
}

/** Wraps a model so a test can see how each call ended (resolved, aborted, failed) and when. */
export function spyModel(inner: ModelClient): ModelClient & { records: CallRecord[] } {
  const records: CallRecord[] = [];
  return {
    records,
    assertAlias: (alias) => inner.assertAlias(alias),
    async call(request, options) {
      const record: CallRecord = { request, startedAt: Date.now() };
      records.push(record);
      try {
        const response = await inner.call(request, options);
        record.outcome = "resolved";
        return response;
      } catch (error) {
        record.outcome = (error as { category?: string }).category ?? "thrown";
        throw error;
      } finally {
        record.settledAt = Date.now();
      }
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
