/** One line of the log: a transcript row, summarised, with the blobs it points at. */
import type { TranscriptRow } from "@escapement/wire-schema";

export interface BlobLink {
  /** What the blob holds: request, response, sent, result, artifact, … */
  readonly label: string;
  readonly ref: string;
}

export interface LogRow {
  /** The row's transcript seq (unique within a run). */
  readonly seq: number;
  readonly ts: number;
  readonly event: string;
  readonly text: string;
  readonly blobs: readonly BlobLink[];
}

/** Rows the log leaves out: they show as streaming text in their conversation. */
export const LOG_SKIPS: ReadonlySet<string> = new Set(["llm/delta"]);

const MAX_TEXT = 240;

const str = (value: unknown): string | undefined =>
  typeof value === "string" ? value : typeof value === "number" || typeof value === "boolean" ? String(value) : undefined;

/** The first fields worth a glance, in the order a reader wants them. */
const SUMMARY_FIELDS = ["invokeId", "name", "promptId", "message", "status", "event", "reason", "category", "code", "snippet"] as const;

const summary = (data: Record<string, unknown>): string => {
  const parts: string[] = [];
  for (const field of SUMMARY_FIELDS) {
    const value = str(data[field]);
    if (value !== undefined && value !== "") parts.push(field === "snippet" || field === "message" ? JSON.stringify(value) : value);
  }
  if (Array.isArray(data.config)) parts.push(data.config.join(", "));
  if (Array.isArray(data.entered) && data.entered.length > 0) parts.push(`→ ${data.entered.join(", ")}`);
  const text = parts.join(" ");
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
};

/** Fields that hold a blob ref, and what to call the blob. */
const REF_FIELDS: readonly (readonly [string, string])[] = [
  ["ref", "full"],
  ["sentRef", "as sent"],
];

const labelOf = (event: string): string => {
  if (event === "llm/request") return "request";
  if (event === "llm/response" || event === "llm/compacted") return "response";
  if (event === "artifact/captured") return "artifact";
  if (event.startsWith("tool/") || event === "llm/tool-result") return "result";
  return "full";
};

export const logRowOf = (row: TranscriptRow): LogRow => {
  const data = row.data !== null && typeof row.data === "object" ? (row.data as Record<string, unknown>) : {};
  const blobs: BlobLink[] = [];
  for (const [field, label] of REF_FIELDS) {
    const ref = data[field];
    if (typeof ref === "string" && ref !== "") blobs.push({ label: field === "ref" ? labelOf(row.event) : label, ref });
  }
  return { seq: row.seq, ts: row.ts, event: row.event, text: summary(data), blobs };
};
