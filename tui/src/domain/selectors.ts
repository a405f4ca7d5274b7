/** Derived values the UI reads from a view state. All pure; `now` is epoch ms. */
import { logAt, logLength, logSlice } from "./bounded-log.ts";
import type { ConversationView } from "./conversation.ts";
import type { Lane } from "./lane.ts";
import type { LogRow } from "./log-row.ts";
import type { ChildSessionView, ViewState } from "./view-state.ts";

/** Rough characters per token, to show a rate while a turn streams (usage arrives only at its end). */
export const CHARS_PER_TOKEN = 4;

export type LiveRow =
  | {
      readonly kind: "conversation";
      readonly key: string;
      /** 0 at the top; under a child session, one more than its row. */
      readonly depth: 0 | 1 | 2;
      /** What the INVOKE column shows: the invoke id, less the child session's prefix when nested. */
      readonly label: string;
      readonly conversation: ConversationView;
    }
  | { readonly kind: "child"; readonly key: string; readonly depth: 0 | 1; readonly child: ChildSessionView };

/**
 * Conversations in start order, each followed by the child sessions it started; a child session's
 * own conversations (mirrored as `<childSessionId>/<invokeId>`) under it; children nobody claims last.
 */
export const liveRows = (state: ViewState): LiveRow[] => {
  const ownerOf = (conversation: ConversationView): ChildSessionView | undefined => {
    let owner: ChildSessionView | undefined;
    for (const child of state.children.values()) {
      const longer = owner === undefined || child.childSessionId.length > owner.childSessionId.length;
      if (longer && conversation.invokeId.startsWith(`${child.childSessionId}/`)) owner = child;
    }
    return owner;
  };
  const owned = new Map<string, ConversationView[]>();
  const top: ConversationView[] = [];
  for (const conversation of state.conversations.values()) {
    const owner = ownerOf(conversation);
    if (owner === undefined) top.push(conversation);
    else owned.set(owner.childSessionId, [...(owned.get(owner.childSessionId) ?? []), conversation]);
  }
  const rows: LiveRow[] = [];
  const placed = new Set<string>();
  const pushChild = (child: ChildSessionView, depth: 0 | 1): void => {
    rows.push({ kind: "child", key: `child:${child.childSessionId}`, depth, child });
    placed.add(child.childSessionId);
    for (const conversation of owned.get(child.childSessionId) ?? []) {
      const label = conversation.invokeId.slice(child.childSessionId.length + 1);
      rows.push({ kind: "conversation", key: conversation.invokeId, depth: depth === 0 ? 1 : 2, label, conversation });
    }
  };
  for (const conversation of top) {
    rows.push({ kind: "conversation", key: conversation.invokeId, depth: 0, label: conversation.invokeId, conversation });
    for (const child of state.children.values()) {
      if (child.parentInvokeId === conversation.invokeId) pushChild(child, 1);
    }
  }
  for (const child of state.children.values()) {
    if (!placed.has(child.childSessionId)) pushChild(child, 0);
  }
  return rows;
};

export const isLive = (c: ConversationView): boolean => c.ended === undefined;

export const liveCount = (state: ViewState): number => {
  if (state.finished) return 0;
  let count = 0;
  for (const c of state.conversations.values()) if (isLive(c)) count++;
  return count;
};

/** Total tokens (input + output) a conversation has used over its completed turns. */
export const conversationTokens = (c: ConversationView): number => c.usage.input + c.usage.output;

/**
 * Output tokens per second: estimated from streamed characters while a turn streams, else the
 * latest completed turn's rate.
 */
export const conversationTokensPerSecond = (c: ConversationView, now: number): number | undefined => {
  if (c.status === "streaming" && c.firstDeltaTs !== undefined) {
    const seconds = (Math.max(now, c.lastDeltaTs ?? now) - c.firstDeltaTs) / 1000;
    return seconds > 0 ? c.streamedChars / CHARS_PER_TOKEN / seconds : undefined;
  }
  return c.tokensPerSec;
};

/** The throughput right now: the sum over conversations that are streaming. */
export const totalTokensPerSecond = (state: ViewState, now: number): number => {
  let total = 0;
  for (const c of state.conversations.values()) {
    if (c.status !== "streaming" || !isLive(c)) continue;
    total += conversationTokensPerSecond(c, now) ?? 0;
  }
  return total;
};

export const totalTokens = (state: ViewState): number => {
  let total = 0;
  for (const c of state.conversations.values()) total += conversationTokens(c);
  return total;
};

/**
 * The clock the view runs on: the wall clock for a live run, the latest row's time in a replay
 * or once the run has finished (so elapsed time stops where the run stopped).
 */
export const viewNow = (state: ViewState, wallNow: number): number =>
  state.run?.replay || state.finished ? (state.lastTs ?? wallNow) : Math.max(wallNow, state.lastTs ?? 0);

export const elapsedMs = (state: ViewState, now: number): number => (state.startedTs === undefined ? 0 : Math.max(0, now - state.startedTs));

export type RunStatusView = "waiting" | "running" | "paused" | "parked" | "done" | "aborted" | "error";

export const runStatus = (state: ViewState): RunStatusView => {
  // Parked: the run stopped, its session waits on an answer or a timer, and goes on when woken.
  if (state.finished?.parked) return "parked";
  if (state.finished) return state.finished.status;
  if (state.startedTs === undefined) return "waiting";
  return state.debug.paused ? "paused" : "running";
};

/** The breadcrumb of the active configuration, root first. */
export const breadcrumb = (state: ViewState): readonly string[] => state.phase?.breadcrumb ?? [];

export const logRowCount = (state: ViewState): number => logLength(state.log);

/**
 * The page of log rows ending `scrollBack` rows before the newest, at most `height` rows, oldest
 * first. With `lanes` given, only rows of those lanes count (scanned from the newest back, so a
 * page costs what it shows plus what it skips, not the whole log).
 */
export const logPage = (state: ViewState, height: number, scrollBack = 0, lanes?: ReadonlySet<Lane>): LogRow[] => {
  const length = logLength(state.log);
  if (!lanes) {
    const end = Math.max(0, length - scrollBack);
    return logSlice(state.log, end - height, end);
  }
  const page: LogRow[] = [];
  let skipped = 0;
  for (let i = length - 1; i >= 0 && page.length < height; i--) {
    const row = logAt(state.log, i);
    if (!row || !lanes.has(row.lane)) continue;
    if (skipped < scrollBack) skipped++;
    else page.push(row);
  }
  return page.reverse();
};

/** Conversations for the inspector, live and recently ended, in start order. */
export const invocations = (state: ViewState): ConversationView[] => [...state.conversations.values()];

/** The chart's active state ids: the final configuration once the run is over. */
export const chartConfig = (state: ViewState): readonly string[] => state.finished?.finalConfig ?? state.phase?.config ?? [];

/** Whether human input and the debugger can be driven (a replay only shows what happened). */
export const interactive = (state: ViewState): boolean => state.run?.replay !== true;

/** The prompt a modal asks: the oldest open one. */
export const activePrompt = (state: ViewState) => state.prompts[0];
