/**
 * The INSPECTOR as lines of fixed-width text (pure, so it is tested without rendering): the run's
 * status, the chart's active configuration as a tree, every invocation (live and ended
 * conversations with state, model, turns and tokens), artifacts and child sessions. Lines that
 * carry a `key` can be selected and opened.
 */
import {
  chartConfig,
  configTree,
  conversationTokens,
  elapsedMs,
  flattenTree,
  invocations,
  runStatus,
  treePrefix,
  type ConversationView,
  type ViewState,
} from "../domain/index.ts";
import { debugLabel } from "./debug-label.ts";
import { fit, formatCount, formatElapsed } from "./format.ts";
import { modelLabel } from "./live-row-text.ts";

export type Tone = "text" | "dim" | "accent" | "ok" | "warn" | "error";

export interface InspectorLine {
  readonly text: string;
  readonly tone: Tone;
  /** Selection key of the item this line belongs to (an item may span two lines). */
  readonly key?: string;
  /** The item's first line (where the selection marker goes). */
  readonly head?: boolean;
  readonly heading?: boolean;
}

export const invocationKey = (invokeId: string): string => `inv:${invokeId}`;
export const artifactKey = (name: string): string => `art:${name}`;

const lastSegment = (id: string): string => id.split(".").at(-1) ?? id;

const formatBytes = (bytes: number): string =>
  bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;

const conversationGlyph = (c: ConversationView): string => {
  if (c.status === "error") return "✗";
  if (c.ended !== undefined) return "○";
  return "●";
};

const conversationTone = (c: ConversationView): Tone => {
  if (c.status === "error") return "error";
  if (c.ended !== undefined) return "dim";
  return c.status === "streaming" ? "ok" : c.status === "waiting" ? "warn" : "text";
};

const conversationState = (c: ConversationView): string => {
  if (c.status === "error" && c.error) return `error ${c.error.category}: ${c.error.message}`;
  if (c.ended !== undefined) return `ended (${c.ended})`;
  return c.status;
};

const heading = (text: string): InspectorLine => ({ text, tone: "accent", heading: true });
const field = (name: string, value: string, tone: Tone = "text"): InspectorLine => ({ text: ` ${name.padEnd(8)} ${value}`, tone });

const runLines = (state: ViewState, now: number): InspectorLine[] => {
  const status = runStatus(state);
  const statusTone: Tone = status === "error" ? "error" : status === "paused" || status === "parked" ? "warn" : status === "done" ? "ok" : "text";
  const lines = [heading("RUN"), field("status", `${status} · ${formatElapsed(elapsedMs(state, now))}`, statusTone)];
  if (state.run) lines.push(field("run", `${state.run.runId}${state.run.replay ? " (replay)" : ""}`));
  if (!state.finished) {
    const debug = debugLabel(state);
    lines.push(field("debug", debug.text, debug.tone));
  }
  lines.push(field("seq", `${state.seq} (row ${state.rowSeq})`, "dim"));
  if (state.finished) {
    const { status: outcome, finalConfig, error } = state.finished;
    lines.push(field("outcome", `${outcome} in ${finalConfig.map(lastSegment).join(", ") || "—"}`, outcome === "error" ? "error" : "text"));
    if (error) lines.push(field("error", `${error.category}: ${error.message}`, "error"));
    const parked = state.finished.parked;
    if (parked) lines.push(field("parked", parkedLabel(parked), "warn"));
  }
  const lastError = state.wireErrors.at(-1);
  if (lastError) lines.push(field("wire", `${lastError.code}: ${lastError.message}`, "error"));
  return lines;
};

/** What a parked session waits on: its prompts (answer them here), or its timer. */
const parkedLabel = ({ prompts, dueAt }: { prompts: readonly string[]; dueAt?: number }): string =>
  [prompts.length > 0 ? `waiting on ${prompts.join(", ")}` : "", dueAt === undefined ? "" : `wakes at ${new Date(dueAt).toISOString()}`]
    .filter(Boolean)
    .join("; ");

const chartLines = (state: ViewState): InspectorLine[] => {
  const nodes = flattenTree(configTree(chartConfig(state)));
  const cause = state.phase?.event ? ` after ${state.phase.event}` : "";
  if (nodes.length === 0) return [heading("CHART"), { text: " not started", tone: "dim" }];
  return [heading(`CHART${cause}`), ...nodes.map((n): InspectorLine => ({ text: ` ${treePrefix(n)}${n.label}`, tone: n.children.length ? "text" : "ok" }))];
};

const invocationLines = (state: ViewState): InspectorLine[] => {
  const all = invocations(state);
  const live = all.filter((c) => c.ended === undefined).length;
  const lines = [heading(`INVOCATIONS ${all.length} (${live} live)`)];
  if (all.length === 0) lines.push({ text: " none yet", tone: "dim" });
  for (const c of all) {
    const key = invocationKey(c.invokeId);
    const tone = conversationTone(c);
    const tokens = `${formatCount(conversationTokens(c))} tok`;
    lines.push({ text: `${conversationGlyph(c)} ${c.invokeId} · ${lastSegment(c.stateId)} · turn ${c.turn} · ${tokens}`, tone, key, head: true });
    const model = c.target ? `${c.model} → ${modelLabel(c)}` : c.model;
    lines.push({ text: `   ${model} · ${conversationState(c)}`, tone: c.status === "error" ? "error" : "dim", key });
  }
  return lines;
};

const artifactLines = (state: ViewState): InspectorLine[] => {
  if (state.artifacts.length === 0) return [];
  const lines = [heading(`ARTIFACTS ${state.artifacts.length}`)];
  for (const a of state.artifacts) {
    const key = artifactKey(a.name);
    lines.push({ text: `▤ ${a.name} · ${formatBytes(a.bytes)}`, tone: "text", key, head: true });
    lines.push({ text: `   ${a.snippet}`, tone: "dim", key });
  }
  return lines;
};

const childLines = (state: ViewState): InspectorLine[] => {
  if (state.children.size === 0) return [];
  const lines = [heading(`CHILD SESSIONS ${state.children.size}`)];
  for (const child of state.children.values()) {
    const tone: Tone = child.status === "error" ? "error" : child.status === "running" ? "ok" : "dim";
    lines.push({ text: ` ${child.childSessionId} (${child.chartId}) ${child.status}`, tone });
  }
  return lines;
};

export const inspectorLines = (state: ViewState, now: number): InspectorLine[] => [
  ...runLines(state, now),
  ...chartLines(state),
  ...invocationLines(state),
  ...artifactLines(state),
  ...childLines(state),
];

/** Keys of the selectable items, in order. */
export const selectableKeys = (lines: readonly InspectorLine[]): string[] => [...new Set(lines.flatMap((l) => (l.head && l.key ? [l.key] : [])))];

/** The key `by` items from `current` (the first item when none is selected). */
export const stepKey = (keys: readonly string[], current: string | undefined, by: number): string | undefined => {
  if (keys.length === 0) return undefined;
  const index = current === undefined ? -1 : keys.indexOf(current);
  if (index < 0) return keys[by < 0 ? keys.length - 1 : 0];
  return keys[Math.min(keys.length - 1, Math.max(0, index + by))];
};

/**
 * The first line of a window of `height` lines that shows the selected item whole: the top when
 * nothing is selected or it fits there, else the item's lines end at the window's bottom.
 */
export const windowStart = (lines: readonly InspectorLine[], selected: string | undefined, height: number): number => {
  if (selected === undefined || lines.length <= height) return 0;
  const first = lines.findIndex((l) => l.key === selected);
  if (first < 0) return 0;
  let last = first;
  while (lines[last + 1]?.key === selected) last++;
  // Keep the section heading above the first item in view when it fits.
  const start = Math.max(0, last - height + 1);
  return Math.min(start, lines.length - height, first);
};

/** One line cut to the width, with the selection marker in the first column. */
export const inspectorLineText = (line: InspectorLine, selected: boolean, width: number): string =>
  fit(`${selected && line.head ? "›" : " "}${line.text}`, width);
