/**
 * Transcript rows -> public events (the stable stream a library host sees; the union and its JSON
 * Schema live in `@escapement/wire-schema`, public-events.ts). The mapping is a pure reducer: a row
 * and the mapper state in, events and the next state out. The state is what a single row does not
 * say: the session and run ids and chart id (from `runner/started`) and which actor asked each open
 * prompt (answers carry only the prompt id).
 *
 * Rows a host does not need (checkpoints, debugger rows, conversation start/end, io details) map
 * to nothing; the transcript keeps them. `runner/error` maps to nothing too: its category and
 * message arrive on the terminal `run-error` (from `runner/done`), so a run ends with exactly one
 * terminal event.
 */
import type { PublicEvent, PublicEventMap, PublicEventType, TranscriptRow } from "@escapement/wire-schema";
import { copiedFields } from "./copied-fields.js";

export interface PublicEventState {
  sessionId?: string;
  runId?: string;
  chartId?: string;
  /** Open prompts: promptId -> invokeId. */
  prompts: Readonly<Record<string, string>>;
}

export const initialPublicEventState = (ids: { sessionId?: string; runId?: string } = {}): PublicEventState => ({ ...ids, prompts: {} });

export interface MappedRow {
  events: PublicEvent[];
  state: PublicEventState;
}

type Data = Record<string, unknown>;
type Body<T extends PublicEventType> = Omit<PublicEventMap[T], "type" | "sessionId" | "runId" | "seq" | "ts" | "childSessionId">;

const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : []);
/** What each public event copies from its transcript row. */
const copied = {
  "text-delta": copiedFields("text-delta", "llm/delta"),
  "llm-request": copiedFields("llm-request", "llm/request"),
  "llm-response": copiedFields("llm-response", "llm/response"),
  "llm-retry": copiedFields("llm-retry", "llm/retry"),
  "llm-fallback-down": copiedFields("llm-fallback", "llm/model-down"),
  "llm-fallback-slow": copiedFields("llm-fallback", "llm/latency-switch"),
  "llm-error": copiedFields("llm-error", "llm/error"),
  "tool-call": copiedFields("tool-call", "llm/tool-call"),
  "tool-result": copiedFields("tool-result", "llm/tool-result"),
  "tool-validation-failure": copiedFields("tool-validation-failure", "llm/tool-validation-failed"),
  "tool-permission": copiedFields("tool-permission", "tool/permission"),
  "human-prompt": copiedFields("human-prompt", "human-input/requested"),
};

/** The keys of `data` that are defined, so optional fields are absent rather than `undefined`. */
const pick = (data: Data, keys: readonly string[]): Data => {
  const out: Data = {};
  for (const key of keys) if (data[key] !== undefined) out[key] = data[key];
  return out;
};

/** One row -> its public events and the next state. Pure: neither argument is modified. */
export function mapTranscriptRow(row: TranscriptRow, state: PublicEventState): MappedRow {
  const data: Data = typeof row.data === "object" && row.data !== null && !Array.isArray(row.data) ? (row.data as Data) : {};
  let next = state;
  if (row.event === "runner/started") {
    next = {
      ...state,
      ...(str(data.sessionId) ? { sessionId: data.sessionId as string } : {}),
      ...(str(data.runId) ? { runId: data.runId as string } : {}),
      ...(str(data.chartId) ? { chartId: data.chartId as string } : {}),
    };
  }
  const { sessionId, runId } = next;
  // Rows before the first runner/started (never written by the runner) cannot be attributed.
  if (!sessionId || !runId) return { events: [], state: next };
  const events: PublicEvent[] = [];
  // A row mirrored from a child session (fleets) says which one.
  const child = str(data.childSessionId) ? { childSessionId: data.childSessionId as string } : {};
  const emit = <T extends PublicEventType>(type: T, body: Body<T>): void => {
    events.push({ type, sessionId, runId, seq: row.seq, ts: row.ts, ...child, ...body } as unknown as PublicEvent);
  };

  switch (row.event) {
    case "runner/started":
      // A resumed run announces itself with run-resumed (the runner/resumed row that follows).
      if (data.resumed !== true) {
        emit("run-started", { chartId: str(data.chartId) ?? "", ...pick(data, ["parentSessionId"]) });
      }
      break;
    case "runner/resumed":
      emit("run-resumed", { chartId: next.chartId ?? "", fromSeq: data.fromSeq, checkpointSeq: data.checkpointSeq } as Body<"run-resumed">);
      break;
    // "config" in these rows and events (`config`, `finalConfig`, `chart-config`) is the chart's active states.
    case "runner/start-config": {
      const states = strings(data.config);
      emit("chart-config", { config: states, entered: states, exited: [], cause: "start" });
      break;
    }
    case "runner/event-processed": {
      const eventData = data.eventData;
      const invokeId = typeof eventData === "object" && eventData !== null ? str((eventData as Data).invokeId) : undefined;
      emit("chart-event", {
        event: str(data.event) ?? "",
        ...(eventData === undefined ? {} : { data: eventData }),
        ...(invokeId ? { invokeId } : {}),
      });
      const entered = strings(data.entered);
      const exited = strings(data.exited);
      if (entered.length > 0 || exited.length > 0) emit("chart-config", { config: strings(data.after), entered, exited, cause: "event" });
      break;
    }
    case "runner/done": {
      const finalStates = strings(data.finalConfig);
      if (data.status === "done") emit("run-done", { finalConfig: finalStates });
      else if (data.status === "aborted") emit("run-aborted", { finalConfig: finalStates });
      else {
        const error = (typeof data.error === "object" && data.error !== null ? data.error : {}) as Data;
        emit("run-error", { finalConfig: finalStates, category: str(error.category) ?? "unknown", message: str(error.message) ?? "the run failed" });
      }
      next = { ...next, prompts: {} };
      break;
    }
    case "llm/delta":
      emit("text-delta", pick(data, copied["text-delta"]) as Body<"text-delta">);
      break;
    case "llm/request":
      emit("llm-request", pick(data, copied["llm-request"]) as Body<"llm-request">);
      break;
    case "llm/response":
      emit("llm-response", pick(data, copied["llm-response"]) as Body<"llm-response">);
      break;
    case "llm/retry":
      emit("llm-retry", pick(data, copied["llm-retry"]) as Body<"llm-retry">);
      break;
    case "llm/model-down":
      emit("llm-fallback", { reason: "down", from: data.target, ...pick(data, copied["llm-fallback-down"]) } as Body<"llm-fallback">);
      break;
    case "llm/latency-switch":
      emit("llm-fallback", { reason: "slow", ...pick(data, copied["llm-fallback-slow"]) } as Body<"llm-fallback">);
      break;
    case "llm/error":
      emit("llm-error", pick(data, copied["llm-error"]) as Body<"llm-error">);
      break;
    case "llm/tool-call":
      emit("tool-call", pick(data, copied["tool-call"]) as Body<"tool-call">);
      break;
    case "llm/tool-result":
      emit("tool-result", pick(data, copied["tool-result"]) as Body<"tool-result">);
      break;
    case "llm/tool-validation-failed":
      emit("tool-validation-failure", pick(data, copied["tool-validation-failure"]) as Body<"tool-validation-failure">);
      break;
    case "tool/permission":
      emit("tool-permission", pick(data, copied["tool-permission"]) as Body<"tool-permission">);
      break;
    case "human-input/requested": {
      emit("human-prompt", pick(data, copied["human-prompt"]) as Body<"human-prompt">);
      const promptId = str(data.promptId);
      const invokeId = str(data.invokeId);
      if (promptId && invokeId) next = { ...next, prompts: { ...next.prompts, [promptId]: invokeId } };
      break;
    }
    case "human-input/answered":
    case "human-input/cancelled": {
      const promptId = str(data.promptId) ?? "";
      const invokeId = Object.hasOwn(next.prompts, promptId) ? next.prompts[promptId] : undefined;
      const cancelled = row.event === "human-input/cancelled";
      emit("human-answer", {
        promptId,
        ...(invokeId ? { invokeId } : {}),
        outcome: cancelled ? "cancelled" : "answered",
        ...(cancelled || data.value === undefined ? {} : { value: data.value }),
      });
      const { [promptId]: _closed, ...open } = next.prompts;
      next = { ...next, prompts: open };
      break;
    }
    default:
      break;
  }
  return { events, state: next };
}

/** A stateful mapper over a row stream (a live run's tap, or a transcript read line by line). */
export function createPublicEventMapper(initial: PublicEventState = initialPublicEventState()): (row: TranscriptRow) => PublicEvent[] {
  let state = initial;
  return (row) => {
    const mapped = mapTranscriptRow(row, state);
    state = mapped.state;
    return mapped.events;
  };
}

/** The public events of a row stream, e.g. `readTranscript(path)`: streamed, never loaded whole. */
export async function* publicEventsOf(rows: AsyncIterable<TranscriptRow> | Iterable<TranscriptRow>): AsyncGenerator<PublicEvent> {
  const map = createPublicEventMapper();
  for await (const row of rows) yield* map(row);
}
