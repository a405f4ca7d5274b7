/**
 * A transcript row reduced to what the LOG pane shows: a lane and one line of text. Rows keep no
 * reference to the frame's data, so a long log costs a few hundred bytes a row; only error rows
 * (few) keep their whole text, for the pager.
 */
import { snippet, type EventDataMap, type EventName, type TranscriptRow } from "@escapement/wire-schema";
import { laneOf, type Lane } from "./lane.ts";

export const LOG_TEXT_MAX = 160;

export interface LogRow {
  /** Transcript seq of the (last) row this stands for; 0 for connection-level entries. */
  readonly seq: number;
  readonly ts: number;
  readonly lane: Lane;
  readonly event: string;
  /** One line, at most LOG_TEXT_MAX characters. */
  readonly text: string;
  /** io blob behind the row (request, response, tool call or result), for drill-in. */
  readonly ref?: string;
  readonly invokeId?: string;
  /** For merged llm/delta rows: how many deltas, and which turn and kind. */
  readonly deltas?: { readonly count: number; readonly turn: number; readonly kind: string };
  /** Error rows: the whole text, which `text` may cut (a failed run's error, a model error). */
  readonly detail?: string;
}

// Event names repeat on every row; one shared string each keeps 100k rows from holding 100k copies.
const interned = new Map<string, string>();
const intern = (name: string): string => {
  const known = interned.get(name);
  if (known !== undefined) return known;
  if (interned.size < 1024) interned.set(name, name);
  return name;
};

const line = (text: string): string => snippet(text, LOG_TEXT_MAX);
const json = (value: unknown): string => {
  try {
    return JSON.stringify(value) ?? "";
  } catch {
    return String(value);
  }
};
const lastSegment = (stateId: string): string => stateId.split(".").at(-1) ?? stateId;
const leaves = (ids: readonly string[]): string => ids.map(lastSegment).join(", ");

type Summaries = { [E in EventName]?: (data: EventDataMap[E]) => string };

const summaries: Summaries = {
  "runner/started": (d) => `${d.resumed ? "resumed" : "started"} ${d.chartId} (${d.sessionId})`,
  "runner/start-config": (d) => `config ${leaves(d.config)}`,
  "runner/event-processed": (d) =>
    d.exited.length || d.entered.length ? `${d.event}: ${leaves(d.exited)} → ${leaves(d.entered)}` : `${d.event} (no transition)`,
  "runner/resumed": (d) => `resumed from seq ${d.fromSeq} (checkpoint ${d.checkpointSeq})`,
  "runner/done": (d) => `run ${d.status} in ${leaves(d.finalConfig)}${d.error ? `: ${d.error.category}: ${d.error.message}` : ""}`,
  "runner/error": (d) => `${d.category}: ${d.message}`,
  "checkpoint/written": (d) => `checkpoint ${d.kind} @${d.seq}`,
  "artifact/captured": (d) => `artifact ${d.name} (${d.bytes} B): ${d.snippet}`,
  "session/child-started": (d) => `child session ${d.childSessionId} (${d.chartId})`,
  "session/child-done": (d) => `child session ${d.childSessionId} ${d.status}`,
  "llm/conversation-started": (d) => `${d.invokeId} started in ${lastSegment(d.stateId)} (${d.model})`,
  "llm/conversation-ended": (d) => `${d.invokeId} ended (${d.reason})`,
  "llm/request": (d) => `${d.invokeId} #${d.turn} → ${d.model}: ${d.snippet}`,
  "llm/response": (d) =>
    `${d.invokeId} #${d.turn} ← ${d.stopReason} ${d.usage.output} tok${
      d.tokensPerSec === undefined ? "" : ` ${Math.round(d.tokensPerSec)} tok/s`
    }: ${d.snippet}`,
  "llm/tool-call": (d) => `${d.invokeId} ${d.name}${d.toolKind === "event" ? " (event)" : ""} ${d.snippet}`,
  "tool/started": (d) => `${d.invokeId} ${d.name} started`,
  "tool/process": (d) => `${d.invokeId} process group ${d.pgid}`,
  "tool/finished": (d) => `${d.invokeId} ${d.name} finished${d.isError ? " (error)" : ""}`,
  "tool/interrupted": (d) => `${d.invokeId} ${d.name} interrupted by a crash${d.rerun ? "; runs again" : "; outcome unknown"}`,
  "tool/permission": (d) => `${d.invokeId} ${d.tool} ${d.decision === "allow" ? "✓ allowed" : "⛔ denied"}: ${d.target} (${d.rule})`,
  "llm/tool-result": (d) => `${d.invokeId} ${d.name} ${d.isError ? "✗" : "→"} ${d.snippet}`,
  "llm/tool-validation-failed": (d) => `${d.invokeId} ${d.name} invalid${d.final ? " (final)" : ""}: ${d.issues}`,
  "llm/message-in": (d) => `${d.invokeId} ← ${d.from ?? "message"}: ${d.snippet}`,
  // A message for a conversation: who sent it only when it was not a renderer (the host program, a replay).
  "llm/steer-queued": (d) => `steer → ${d.invokeId}${d.from === "renderer" ? "" : ` (from ${d.from})`}: "${d.snippet}"`,
  "llm/steer-injected": (d) => `steer delivered to ${d.invokeId} (turn ${d.turn})`,
  "llm/compacted": (d) =>
    `${d.invokeId} compacted${d.reason === "requested" ? " on request" : ""}: ${d.messagesBefore} → ${d.messagesAfter} messages, ~${d.tokensBefore} → ~${d.tokensAfter} tokens`,
  "llm/idle": (d) => `${d.invokeId} #${d.turn} idle: ${d.snippet}`,
  "llm/error": (d) => `${d.invokeId} ${d.category}: ${d.message}`,
  "llm/retry": (d) => `${d.invokeId} retry ${d.attempt} on ${d.target} in ${d.delayMs} ms (${d.category})`,
  "llm/model-down": (d) => `${d.invokeId} ${d.target} down (${d.category})`,
  "llm/latency-switch": (d) => `${d.invokeId} ${d.from} → ${d.to} after ${d.waitedMs} ms`,
  "llm/overrun": (d) => `${d.invokeId} overrun ${d.attempt}: ${d.action}`,
  "llm/context-warning": (d) => `${d.invokeId} context ${Math.round(d.used * 100)}% used`,
  "llm/tool-loop": (d) => `${d.invokeId} ${d.name} called ${d.count}× with the same arguments`,
  "llm/model-policy-empty": (d) => `${d.invokeId} no model for ${d.alias}${d.strict ? " (strict)" : ""}`,
  "llm/loop-detected": (d) => `${d.invokeId} loop detected (${d.count}×)`,
  "human-input/requested": (d) => `? ${d.message} (${d.kind})`,
  "human-input/progress": (d) => `${d.promptId} ${d.value}/${d.total}`,
  "human-input/answered": (d) => `${d.promptId} = ${json(d.value)}`,
  "human-input/cancelled": (d) => `${d.promptId} cancelled`,
  "debug/paused": (d) => `paused: ${d.reason}`,
  "debug/resumed": () => "resumed",
  "debug/step": (d) => `step ${d.n}`,
  "debug/mode": (d) => `mode ${d.mode}`,
  "debug/interrupted": (d) => (d.invokeIds.length ? `interrupted model calls of ${d.invokeIds.join(", ")}` : "interrupt: no model call in flight"),
};

/** `key value` pairs of a debugger row this version has no words for: still one readable line. */
const plainFields = (data: unknown): string => {
  if (typeof data !== "object" || data === null) return data === undefined ? "" : String(data);
  return Object.entries(data as Record<string, unknown>)
    .map(([key, value]) => `${key} ${typeof value === "string" ? value : Array.isArray(value) ? value.map(String).join(", ") : json(value)}`)
    .join(" · ");
};

const stringField = (data: unknown, key: string): string | undefined => {
  const value = typeof data === "object" && data !== null ? (data as Record<string, unknown>)[key] : undefined;
  return typeof value === "string" ? value : undefined;
};

/**
 * The whole text of a row, not cut to one line. Debugger rows this version does not know read as
 * words; other unknown names show their data as JSON.
 */
const fullSummary = (row: TranscriptRow): string => {
  const summary = summaries[row.event as EventName] as ((data: unknown) => string) | undefined;
  if (summary) {
    try {
      return summary(row.data);
    } catch {
      // Data that does not match its schema still gets a line.
    }
  }
  if (row.event.startsWith("debug/")) return `${row.event.slice("debug/".length)} ${plainFields(row.data)}`.trim();
  return json(row.data);
};

/** One line for any row. */
export const summarize = (row: TranscriptRow): string => line(fullSummary(row));

/** What the pager shows for an error row: the run's outcome and its error, or the row's whole text. */
const detailOf = (row: TranscriptRow): string => {
  const error = typeof row.data === "object" && row.data !== null ? (row.data as { error?: unknown }).error : undefined;
  if (row.event === "runner/done" && typeof error === "object" && error !== null) {
    const { category, message } = error as { category?: unknown; message?: unknown };
    const d = row.data as { status?: unknown; finalConfig?: unknown };
    const config = Array.isArray(d.finalConfig) ? d.finalConfig.map(String).join(", ") : "";
    return `run ${String(d.status)} in ${config}\n\n${String(category)}: ${String(message)}`;
  }
  return fullSummary(row);
};

export const logRowOf = (row: TranscriptRow): LogRow => {
  const ref = stringField(row.data, "ref");
  const invokeId = stringField(row.data, "invokeId");
  const lane = laneOf(row.event, row.data);
  return {
    seq: row.seq,
    ts: row.ts,
    lane,
    event: intern(row.event),
    text: summarize(row),
    ...(ref === undefined ? {} : { ref }),
    ...(invokeId === undefined ? {} : { invokeId }),
    ...(lane === "error" && ref === undefined ? { detail: detailOf(row) } : {}),
  };
};

const collapsible = /[\s\p{Cc}]+/gu;

/** `text` on one line, cut to `max` characters with "…", never inside a surrogate pair. */
const clip = (text: string, max: number): string => {
  const flat = text.replace(collapsible, " ");
  if (flat.length <= max) return flat;
  let end = max - 1;
  const code = flat.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${flat.slice(0, end)}…`;
};

export interface DeltaData {
  readonly invokeId: string;
  readonly turn: number;
  readonly kind: string;
  readonly text: string;
}

/** Whether `row` is the log row of a run of deltas that `delta` continues. */
export const continuesDeltas = (row: LogRow | undefined, delta: DeltaData): row is LogRow =>
  row?.deltas !== undefined && row.invokeId === delta.invokeId && row.deltas.turn === delta.turn && row.deltas.kind === delta.kind;

/**
 * The log row of a run of llm/delta rows of one conversation turn, extended by one more delta
 * (`previous` undefined starts a run). Token streams would otherwise flood the log.
 */
export const deltaLogRow = (previous: LogRow | undefined, row: TranscriptRow, delta: DeltaData): LogRow => {
  const before = previous?.text ?? `${delta.invokeId} #${delta.turn} ${delta.kind === "thinking" ? "thinking" : "▸"} `;
  return {
    seq: row.seq,
    ts: row.ts,
    lane: "llm",
    event: intern(row.event),
    text: before.length >= LOG_TEXT_MAX ? before : clip(before + delta.text, LOG_TEXT_MAX),
    invokeId: delta.invokeId,
    deltas: { count: (previous?.deltas?.count ?? 0) + 1, turn: delta.turn, kind: delta.kind },
  };
};
