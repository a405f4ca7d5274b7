/**
 * The public event stream of a hosted run (`run(options)` in `@escapement/core`): a small,
 * stable union a library host can switch on, derived from transcript rows. The transcript stays
 * the source of truth and carries more detail (checkpoints, io blobs, debugger rows); these are
 * the events a host needs to follow a run.
 *
 * Every event has `type`, `sessionId`, `runId`, `seq` (the transcript row it comes from; several
 * events may share one) and `ts`; events about a conversation or a prompt also carry `invokeId`,
 * and events mirrored from a child session (fleets) carry `childSessionId`.
 * Objects are loose, like the rest of v1: a minor version may add fields, never remove or retype one.
 * The JSON Schema is generated into schema/v1/public-event.json.
 */
import { z } from "zod";
import { Count, EpochMs, InvokeId, Millis, NonEmpty, Ref, Snippet, StateId, StateIds, Turn, type Known } from "./primitives.js";
import { PromptKind, PromptOption, Progress } from "./event-data.js";

const Usage = z.looseObject({ input: Count, output: Count, cacheRead: Count, cacheWrite: Count });

/** Fields every public event carries. */
const common = {
  sessionId: NonEmpty.describe("The session directory's id."),
  runId: NonEmpty.describe("This run (a resumed session gets a new run id)."),
  seq: z.int().min(1).describe("Seq of the transcript row this event was derived from."),
  ts: EpochMs.describe("Time of that row, epoch milliseconds."),
  childSessionId: NonEmpty.optional().describe(
    "Set when the event comes from a child session (a fleet child) mirrored into this run; its ids are prefixed <childSessionId>/.",
  ),
};

const event = <T extends string, S extends z.ZodRawShape>(type: T, description: string, shape: S) =>
  z.looseObject({ type: z.literal(type), ...common, ...shape }).describe(description);

export const publicEventSchemas = {
  "run-started": event("run-started", "A new run began (first row of a fresh session).", {
    chartId: NonEmpty,
    parentSessionId: NonEmpty.optional(),
  }),
  "run-resumed": event("run-resumed", "A run continued a session from its latest checkpoint.", {
    chartId: NonEmpty,
    fromSeq: Count.describe("Seq of the first row this run writes."),
    checkpointSeq: Count.describe("Seq of the checkpoint it resumed from."),
  }),
  "run-done": event("run-done", "The chart reached a final state. Terminal: nothing follows.", {
    finalConfig: StateIds,
  }),
  "run-aborted": event("run-aborted", "The run was cancelled (signal, debugger quit). Terminal.", {
    finalConfig: StateIds,
  }),
  "run-error": event("run-error", "The run failed; `category` says why (chart, wedged, unknown-alias, ...). Terminal.", {
    finalConfig: StateIds,
    category: z.string(),
    message: z.string(),
  }),
  "chart-event": event("chart-event", "The chart processed an event.", {
    event: z.string().describe("The event type, e.g. greeting.done or llm.idle."),
    data: z.unknown().optional().describe("The event's fields (compacted as in the transcript)."),
    invokeId: InvokeId.optional().describe("The actor that sent it, when the event names one."),
  }),
  "chart-config": event("chart-config", "The chart's active states: the initial configuration, then every change.", {
    config: StateIds,
    entered: StateIds,
    exited: StateIds,
    cause: z.enum(["start", "event"]),
  }),
  "text-delta": event("text-delta", "A streamed fragment of a model reply.", {
    invokeId: InvokeId,
    turn: Turn,
    kind: z.enum(["text", "thinking"]),
    text: z.string(),
  }),
  "llm-request": event("llm-request", "A conversation sent a model request.", {
    invokeId: InvokeId,
    stateId: StateId,
    turn: Turn,
    model: z.string().describe("The alias requested."),
    messageCount: Count,
    tools: z.array(z.string()),
    ref: Ref.describe("The full request, relative to the session directory."),
    snippet: Snippet,
  }),
  "llm-response": event("llm-response", "A model reply arrived.", {
    invokeId: InvokeId,
    stateId: StateId,
    turn: Turn,
    target: z.string().describe("The concrete provider:model that answered."),
    stopReason: z.enum(["end_turn", "tool_use", "max_tokens", "stop_sequence"]),
    usage: Usage,
    elapsedMs: Millis,
    ttftMs: Millis.optional(),
    costUsd: z.number().min(0).optional(),
    ref: Ref,
    snippet: Snippet,
  }),
  "llm-retry": event("llm-retry", "A failed model call is tried again on the same target.", {
    invokeId: InvokeId,
    attempt: z.int().min(1),
    category: z.string(),
    delayMs: Millis,
    target: z.string(),
  }),
  "llm-fallback": event("llm-fallback", "A target was given up (down) or passed over (slow first token); the next one serves.", {
    invokeId: InvokeId,
    reason: z.enum(["down", "slow"]),
    from: z.string().describe("The target left."),
    to: z.string().optional().describe("The target tried next, when known."),
    category: z.string().optional().describe("Why a down target failed."),
    waitedMs: Millis.optional().describe("How long a slow target was waited for."),
  }),
  "llm-error": event("llm-error", "A model call failed for good; the chart receives error.llm.<category>.", {
    invokeId: InvokeId,
    category: z.string(),
    message: z.string(),
    attempts: z.int().min(1).optional(),
  }),
  "tool-call": event("tool-call", "The model called a tool (a real tool, or an event tool that moves the chart).", {
    invokeId: InvokeId,
    turn: Turn,
    toolCallId: NonEmpty,
    name: z.string(),
    toolKind: z.enum(["real", "event"]),
    snippet: Snippet,
    ref: Ref.optional(),
  }),
  "tool-result": event("tool-result", "A tool call's result went back to the model.", {
    invokeId: InvokeId,
    turn: Turn,
    toolCallId: NonEmpty,
    name: z.string(),
    isError: z.boolean(),
    snippet: Snippet,
    ref: Ref.optional(),
    meta: z.record(z.string(), z.unknown()).optional(),
  }),
  "tool-validation-failure": event("tool-validation-failure", "An event tool call's payload failed its schema.", {
    invokeId: InvokeId,
    turn: Turn,
    toolCallId: NonEmpty,
    name: z.string(),
    issues: z.string(),
    final: z.boolean().describe("True when the conversation gives up (error.llm.tool-validation)."),
  }),
  "human-prompt": event("human-prompt", "The chart asks a human.", {
    invokeId: InvokeId,
    promptId: NonEmpty,
    kind: PromptKind,
    message: z.string(),
    options: z.array(PromptOption).optional(),
    default: z.unknown().optional(),
    progress: Progress.optional(),
  }),
  "human-answer": event("human-answer", "A prompt was answered or cancelled.", {
    invokeId: InvokeId.optional().describe("The prompt's actor (absent only if its prompt row was never seen)."),
    promptId: NonEmpty,
    outcome: z.enum(["answered", "cancelled"]),
    value: z.unknown().optional(),
  }),
} as const;

export type PublicEventType = keyof typeof publicEventSchemas;
export const publicEventTypes = Object.keys(publicEventSchemas) as PublicEventType[];
/** The events after which a run's stream ends. */
export const terminalPublicEventTypes = ["run-done", "run-aborted", "run-error"] as const satisfies readonly PublicEventType[];

export const isPublicEventType = (type: string): type is PublicEventType => Object.hasOwn(publicEventSchemas, type);

export const PublicEvent = z.discriminatedUnion(
  "type",
  publicEventTypes.map((type) => publicEventSchemas[type]) as unknown as [
    (typeof publicEventSchemas)[PublicEventType],
    ...(typeof publicEventSchemas)[PublicEventType][],
  ],
);

export type PublicEventMap = { [T in PublicEventType]: Known<z.output<(typeof publicEventSchemas)[T]>> };
/** One public event; narrow on `type`. */
export type PublicEvent = PublicEventMap[PublicEventType];
export type PublicEventOf<T extends PublicEventType> = PublicEventMap[T];

export interface PublicEventIssue {
  /** JSON Pointer into the event ("" = the whole event). */
  path: string;
  message: string;
}

export type PublicEventResult = { ok: true; event: PublicEvent } | { ok: false; error: PublicEventIssue };

/** Validates one public event (its type, the common fields, the type's own fields). Never throws. */
export const validatePublicEvent = (value: unknown): PublicEventResult => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, error: { path: "", message: "(event): must be an object" } };
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== "string" || !isPublicEventType(type)) {
    return {
      ok: false,
      error: { path: "/type", message: `/type: must be one of ${publicEventTypes.join(", ")} (got ${JSON.stringify(type)})` },
    };
  }
  const result = publicEventSchemas[type].safeParse(value);
  if (result.success) return { ok: true, event: value as PublicEvent };
  const first = result.error.issues[0];
  const path = first ? first.path.map((segment) => `/${String(segment).replaceAll("~", "~0").replaceAll("/", "~1")}`).join("") : "";
  return { ok: false, error: { path, message: `${path === "" ? "(event)" : path}: ${first?.message ?? "is invalid"}` } };
};
