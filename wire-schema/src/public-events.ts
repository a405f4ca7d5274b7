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
import { eventDataSchemas as transcript } from "./event-data.js";
import { InvokeId, type Known } from "./primitives.js";
import { TranscriptRow } from "./transcript-row.js";

/**
 * A public event's fields that come from a transcript event are taken from that event's schema
 * (picked, and described for hosts); only the public stream's own fields are defined here.
 */
const runnerStarted = transcript["runner/started"].shape;
const runnerResumed = transcript["runner/resumed"].shape;
const eventProcessed = transcript["runner/event-processed"].shape;
const latencySwitch = transcript["llm/latency-switch"].shape;
const prompt = transcript["human-input/requested"].shape;

/** Fields every public event carries. */
const common = {
  sessionId: runnerStarted.sessionId.describe("The session directory's id."),
  runId: runnerStarted.runId.describe("This run (a resumed session gets a new run id)."),
  seq: TranscriptRow.shape.seq.describe("Seq of the transcript row this event was derived from."),
  ts: TranscriptRow.shape.ts.describe("Time of that row, epoch milliseconds."),
  childSessionId: transcript["session/child-started"].shape.childSessionId
    .optional()
    .describe("Set when the event comes from a child session (a fleet child) mirrored into this run; its ids are prefixed <childSessionId>/."),
};

const event = <T extends string, S extends z.ZodRawShape>(type: T, description: string, shape: S) =>
  z.looseObject({ type: z.literal(type), ...common, ...shape }).describe(description);

export const publicEventSchemas = {
  "run-started": event(
    "run-started",
    "A new run began (first row of a fresh session).",
    transcript["runner/started"].pick({ chartId: true, parentSessionId: true }).shape,
  ),
  "run-resumed": event("run-resumed", "A run continued a session from its latest checkpoint.", {
    chartId: runnerStarted.chartId,
    fromSeq: runnerResumed.fromSeq.describe("Seq of the first row this run writes."),
    checkpointSeq: runnerResumed.checkpointSeq.describe("Seq of the checkpoint it resumed from."),
  }),
  "run-done": event("run-done", "The chart reached a final state. Terminal: nothing follows.", transcript["runner/done"].pick({ finalConfig: true }).shape),
  "run-aborted": event("run-aborted", "The run was cancelled (signal, debugger quit). Terminal.", transcript["runner/done"].pick({ finalConfig: true }).shape),
  "run-error": event("run-error", "The run failed; `category` says why (chart, wedged, unknown-alias, ...). Terminal.", {
    ...transcript["runner/done"].pick({ finalConfig: true }).shape,
    ...transcript["runner/done"].shape.error.unwrap().pick({ category: true, message: true }).shape,
  }),
  "chart-event": event("chart-event", "The chart processed an event.", {
    event: eventProcessed.event.describe("The event type, e.g. greeting.done or llm.idle."),
    data: eventProcessed.eventData.describe("The event's fields (compacted as in the transcript)."),
    invokeId: InvokeId.optional().describe("The actor that sent it, when the event names one."),
  }),
  "chart-config": event("chart-config", "The chart's active states: the initial configuration, then every change.", {
    ...transcript["runner/start-config"].pick({ config: true }).shape,
    ...transcript["runner/event-processed"].pick({ entered: true, exited: true }).shape,
    cause: z.enum(["start", "event"]),
  }),
  "chart-context": event(
    "chart-context",
    "The chart's context changed: as it was checkpointed after the rows up to `seq` (JSON, the run's keys redacted). Live runs only: a transcript does not hold it, so a replay has none.",
    { context: z.unknown().describe("The root machine's context; spawned actors appear by id.") },
  ),
  "text-delta": event("text-delta", "A streamed fragment of a model reply.", transcript["llm/delta"].shape),
  "llm-request": event(
    "llm-request",
    "A conversation sent a model request.",
    transcript["llm/request"].extend({
      model: transcript["llm/request"].shape.model.describe("The alias requested."),
      ref: transcript["llm/request"].shape.ref.describe("The full request, relative to the session directory."),
    }).shape,
  ),
  "llm-response": event(
    "llm-response",
    "A model reply arrived.",
    transcript["llm/response"]
      .omit({ tokensPerSec: true, contextUsed: true })
      .extend({ target: transcript["llm/response"].shape.target.describe("The concrete provider:model that answered.") }).shape,
  ),
  "llm-retry": event("llm-retry", "A failed model call is tried again on the same target.", transcript["llm/retry"].shape),
  "llm-fallback": event("llm-fallback", "A target was given up (down) or passed over (slow first token); the next one serves.", {
    invokeId: latencySwitch.invokeId,
    reason: z.enum(["down", "slow"]),
    from: latencySwitch.from.describe("The target left."),
    to: latencySwitch.to.optional().describe("The target tried next, when known."),
    category: transcript["llm/model-down"].shape.category.optional().describe("Why a down target failed."),
    waitedMs: latencySwitch.waitedMs.optional().describe("How long a slow target was waited for."),
  }),
  "llm-error": event("llm-error", "A model call failed for good; the chart receives error.llm.<category>.", transcript["llm/error"].shape),
  "tool-call": event(
    "tool-call",
    "The model called a tool (a real tool, or an event tool that moves the chart).",
    transcript["llm/tool-call"].pick({ invokeId: true, turn: true, toolCallId: true, name: true, toolKind: true, snippet: true, ref: true }).shape,
  ),
  "tool-result": event(
    "tool-result",
    "A tool call's result went back to the model.",
    transcript["llm/tool-result"].pick({ invokeId: true, turn: true, toolCallId: true, name: true, isError: true, snippet: true, ref: true, meta: true }).shape,
  ),
  "tool-permission": event(
    "tool-permission",
    "The permission policy allowed or denied a tool call's target (a path, a command, a URL, or the tool itself).",
    transcript["tool/permission"].shape,
  ),
  "tool-validation-failure": event(
    "tool-validation-failure",
    "An event tool call's payload failed its schema.",
    transcript["llm/tool-validation-failed"].extend({
      final: transcript["llm/tool-validation-failed"].shape.final.describe("True when the conversation gives up (error.llm.tool-validation)."),
    }).shape,
  ),
  "human-prompt": event(
    "human-prompt",
    "The chart asks a human.",
    transcript["human-input/requested"].pick({ invokeId: true, promptId: true, kind: true, message: true, options: true, default: true, progress: true }).shape,
  ),
  "human-answer": event("human-answer", "A prompt was answered or cancelled.", {
    invokeId: prompt.invokeId.optional().describe("The prompt's actor (absent only if its prompt row was never seen)."),
    promptId: transcript["human-input/answered"].shape.promptId,
    outcome: z.enum(["answered", "cancelled"]),
    value: transcript["human-input/answered"].shape.value.optional(),
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
