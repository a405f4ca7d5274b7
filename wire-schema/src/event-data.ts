/**
 * The `data` of every transcript event the core emits, by event name. Objects are loose so a
 * minor version can add fields; an event name not listed here is still a valid row.
 */
import { z } from "zod";
import {
  Count,
  ErrorInfo,
  InvokeId,
  JsonSchemaObject,
  Millis,
  NonEmpty,
  ParkedOn,
  Ref,
  RunStatus,
  Snippet,
  StateId,
  StateIds,
  Turn,
  type Known,
} from "./primitives.js";

const Usage = z.looseObject({ input: Count, output: Count, cacheRead: Count, cacheWrite: Count });
const Fraction = z.number().min(0).max(1);

export const PromptKind = z.enum(["text", "select", "multi-select", "confirm", "progress"]);
export const PromptOption = z.looseObject({ value: z.unknown(), label: z.string() });
export const Progress = z.looseObject({ value: z.number().min(0), total: z.number().min(0) });
export const DebugMode = z.enum(["run", "step", "armed"]);

/** A human-input request; also the `prompt` of `prompt` and `snapshot` frames. */
export const Prompt = z.looseObject({
  promptId: NonEmpty,
  invokeId: InvokeId,
  kind: PromptKind,
  message: z.string(),
  options: z.array(PromptOption).optional(),
  default: z.unknown().optional(),
  schema: JsonSchemaObject.describe("JSON Schema (draft 2020-12) a valid answer value satisfies."),
  progress: Progress.optional(),
});

export const eventDataSchemas = {
  "runner/started": z.looseObject({
    sessionId: NonEmpty,
    runId: NonEmpty,
    chartId: NonEmpty,
    resumed: z.boolean(),
    parentSessionId: NonEmpty.optional(),
    /** `--replay`: the session whose recorded model calls this run replays (a fork's parent). */
    forkedFrom: NonEmpty.optional(),
  }),
  "runner/start-config": z.looseObject({ config: StateIds, context: z.unknown().optional() }),
  "runner/event-processed": z.looseObject({
    event: z.string(),
    eventData: z.unknown().optional(),
    before: StateIds,
    after: StateIds,
    entered: StateIds,
    exited: StateIds,
    stateHash: z
      .string()
      .optional()
      .describe(
        "A 64-bit hash (16 hex digits) of the chart's state after the event: its state value and context as canonical JSON. A replay or a resume compares it with the recording's. Absent in rows written before it was recorded.",
      ),
  }),
  "runner/resumed": z.looseObject({ fromSeq: Count, checkpointSeq: Count }),
  "runner/done": z.looseObject({ finalConfig: StateIds, status: RunStatus, error: ErrorInfo.optional(), parked: ParkedOn.optional() }),
  "runner/error": z.looseObject({ category: z.string(), message: z.string(), detail: z.unknown().optional() }),
  "runner/notice": z.looseObject({ code: z.string(), message: z.string() }),

  "checkpoint/written": z.looseObject({ seq: Count, kind: z.enum(["journal", "snapshot"]), ref: Ref.optional() }),

  "llm/conversation-started": z.looseObject({
    invokeId: InvokeId,
    stateId: StateId,
    model: z.string(),
    system: Snippet.optional(),
  }),
  "llm/conversation-ended": z.looseObject({
    invokeId: InvokeId,
    stateId: StateId,
    reason: z.enum(["exit", "done", "error", "aborted"]),
  }),
  "llm/request": z.looseObject({
    invokeId: InvokeId,
    stateId: StateId,
    turn: Turn,
    model: z.string(),
    messageCount: Count,
    tools: z.array(z.string()),
    ref: Ref,
    snippet: Snippet,
  }),
  "llm/delta": z.looseObject({
    invokeId: InvokeId,
    turn: Turn,
    kind: z.enum(["text", "thinking"]),
    text: z.string(),
  }),
  "llm/response": z.looseObject({
    invokeId: InvokeId,
    stateId: StateId,
    turn: Turn,
    target: z.string(),
    stopReason: z.enum(["end_turn", "tool_use", "max_tokens", "stop_sequence"]),
    usage: Usage,
    elapsedMs: Millis,
    ttftMs: Millis.optional(),
    tokensPerSec: z.number().min(0).optional(),
    costUsd: z.number().min(0).optional(),
    contextUsed: Fraction.optional().describe("Fraction of the context window in use after this turn."),
    ref: Ref,
    sentRef: Ref.optional().describe("The request the provider was sent after model middleware (an io blob); only on calls that went through middleware."),
    snippet: Snippet,
  }),
  "llm/tool-call": z.looseObject({
    invokeId: InvokeId,
    turn: Turn,
    toolCallId: NonEmpty,
    name: z.string(),
    toolKind: z.enum(["real", "event"]),
    ref: Ref.optional(),
    snippet: Snippet,
  }),
  "llm/tool-result": z.looseObject({
    invokeId: InvokeId,
    turn: Turn,
    toolCallId: NonEmpty,
    name: z.string(),
    isError: z.boolean(),
    ref: Ref.optional(),
    snippet: Snippet,
    meta: z.record(z.string(), z.unknown()).optional(),
  }),
  "tool/started": z
    .looseObject({
      invokeId: InvokeId,
      turn: Turn,
      toolCallId: NonEmpty,
      name: z.string(),
    })
    .describe("A real tool call is about to run; durable before it runs. A resume finds a started call without tool/finished interrupted."),
  "tool/process": z
    .looseObject({
      invokeId: InvokeId,
      turn: Turn,
      toolCallId: NonEmpty,
      pgid: z.int().min(1).describe("The process group the tool started; a resume kills it if it outlived the run."),
      startTicks: z.int().min(0).optional().describe("The group leader's start time (Linux clock ticks since boot), so a reused pid is not killed."),
    })
    .describe("A tool started a process group; durable right after it was started."),
  "tool/finished": z
    .looseObject({
      invokeId: InvokeId,
      turn: Turn,
      toolCallId: NonEmpty,
      name: z.string(),
      isError: z.boolean(),
      ref: Ref.describe("The result: { input, output, isError, meta }."),
    })
    .describe("A real tool call finished; durable before the model sees its result. A resume reuses the result and does not run the tool again."),
  "tool/interrupted": z
    .looseObject({
      invokeId: InvokeId,
      turn: Turn,
      toolCallId: NonEmpty,
      name: z.string(),
      rerun: z.boolean().describe("True when the tool declares itself idempotent and runs again; false when the model is told the outcome is unknown."),
    })
    .describe("A resumed run found a tool call that was running when the run's process died."),
  "tool/permission": z
    .looseObject({
      invokeId: InvokeId,
      turn: Turn,
      toolCallId: NonEmpty,
      tool: z.string().describe("The tool that asked."),
      targetKind: z.enum(["tool", "path", "command", "url"]).describe("What the tool asked to touch: itself, a path, a shell command or a URL."),
      target: z.string().describe('What it asked for, in one line, e.g. "write /etc/hosts", "run `npm test`", "GET https://x/ (x is 1.2.3.4)".'),
      decision: z.enum(["allow", "deny"]).describe("The final decision (an ask is resolved by the human, or denied with nobody to ask)."),
      rule: z.string().describe('The rule that decided, e.g. ".escapement.json: permissions.fs_write[\"src/**\"] = allow" or "human: allowed once".'),
      asked: z.boolean().optional().describe("The rule said ask: true when a human was asked, false when nobody could be."),
      answer: z.string().optional().describe("The human's answer: once, run, deny, cancelled; no-human when nobody could be asked."),
    })
    .describe("The permission policy decided whether a tool call may touch a target; written before the tool touches it."),
  "llm/tool-validation-failed": z.looseObject({
    invokeId: InvokeId,
    turn: Turn,
    toolCallId: NonEmpty,
    name: z.string(),
    issues: z.string(),
    final: z.boolean(),
  }),
  "llm/message-in": z.looseObject({ invokeId: InvokeId, from: z.string().optional(), snippet: Snippet, ref: Ref.optional() }),
  "llm/idle": z.looseObject({ invokeId: InvokeId, turn: Turn, ref: Ref, snippet: Snippet }),
  "llm/error": z.looseObject({
    invokeId: InvokeId,
    category: z.string(),
    message: z.string(),
    attempts: z.int().min(1).optional(),
  }),
  "llm/retry": z.looseObject({
    invokeId: InvokeId,
    attempt: z.int().min(1),
    category: z.string(),
    delayMs: Millis,
    target: z.string(),
  }),
  "llm/model-down": z.looseObject({ invokeId: InvokeId, target: z.string(), category: z.string() }),
  "llm/latency-switch": z.looseObject({ invokeId: InvokeId, from: z.string(), to: z.string(), waitedMs: Millis }),
  "llm/overrun": z.looseObject({ invokeId: InvokeId, attempt: z.int().min(1), action: z.string() }),
  "llm/context-warning": z.looseObject({ invokeId: InvokeId, used: Fraction }),
  "llm/model-policy-empty": z.looseObject({ invokeId: InvokeId, alias: z.string(), strict: z.boolean() }),
  "llm/loop-detected": z.looseObject({ invokeId: InvokeId, count: z.int().min(1), requestKey: z.string() }),
  /** The same tool call (tool and arguments) made `count` times in one conversation, a multiple of `threshold`; the chart gets `llm.tool-loop`. */
  "llm/tool-loop": z.looseObject({
    invokeId: InvokeId,
    turn: z.int().min(1),
    toolCallId: NonEmpty,
    name: z.string(),
    count: z.int().min(2),
    threshold: z.int().min(2),
  }),
  /** A message for a running conversation was accepted; it goes to the model at the conversation's next step. */
  "llm/steer-queued": z.looseObject({
    invokeId: InvokeId,
    steerId: NonEmpty.describe("Names this message in its llm/steer-injected row."),
    from: z.enum(["renderer", "host", "replay"]).describe("Who sent it: a renderer's steer frame, the host program (run().steer), or a cassette replay."),
    snippet: Snippet,
    ref: Ref.optional().describe("The whole message, when longer than the snippet."),
  }),
  /** Queued messages went into the history; `turn` is the model step whose request first holds them. */
  "llm/steer-injected": z.looseObject({ invokeId: InvokeId, steerId: NonEmpty, turn: z.int().min(1) }),
  /** Older history was replaced by a summary before the call of `turn`; `ref` is the summary call's response. */
  "llm/compacted": z.looseObject({
    invokeId: InvokeId,
    turn: z.int().min(1).describe("The model step whose request is the first to hold the summary."),
    reason: z.enum(["threshold", "requested"]).describe("threshold: the context would have crossed compaction.at; requested: the chart's compact action."),
    tokensBefore: Count.describe("Estimated context tokens of the history before."),
    tokensAfter: Count.describe("Estimated context tokens after."),
    messagesBefore: Count,
    messagesAfter: Count,
    ref: Ref,
  }),
  /** A retried attempt said something other than what was already streamed: the rest of it is not streamed. */
  "llm/stream-diverged": z.looseObject({ invokeId: InvokeId, target: z.string(), kind: z.enum(["text", "thinking"]), emittedChars: Count }),
  /** On resume: a turn whose request was cut off by the crash; the resumed conversation issues it again. */
  "llm/turn-interrupted": z.looseObject({ invokeId: InvokeId, stateId: NonEmpty, turn: z.int().min(1) }),

  "human-input/requested": Prompt,
  "human-input/progress": z.looseObject({ promptId: NonEmpty, value: z.number().min(0), total: z.number().min(0) }),
  "human-input/answered": z.looseObject({ promptId: NonEmpty, value: z.unknown() }),
  "human-input/cancelled": z.looseObject({
    promptId: NonEmpty,
    /** "withdrawn": the state that asked was left while the run went on (no human cancelled it). */
    reason: z.literal("withdrawn").optional(),
  }),

  "artifact/captured": z.looseObject({ name: NonEmpty, ref: Ref, bytes: Count, snippet: Snippet }),

  "debug/paused": z.looseObject({ reason: z.string() }),
  "debug/resumed": z.looseObject({}),
  "debug/step": z.looseObject({ n: z.int().min(1) }),
  "debug/mode": z.looseObject({ mode: DebugMode }),
  /** `interrupt`: the model calls in flight were aborted (each conversation gets error.llm.aborted). */
  "debug/interrupted": z.looseObject({ invokeIds: z.array(InvokeId) }),

  "mcp/server-connected": z.looseObject({
    server: NonEmpty,
    transport: z.enum(["stdio", "http"]),
    tools: z.array(z.string()),
    serverInfo: z.unknown().optional(),
    /** An HTTP server reached over the legacy HTTP+SSE transport (it refused streamable HTTP). */
    legacySse: z.literal(true).optional(),
  }),
  "mcp/server-failed": z.looseObject({ server: NonEmpty, transport: z.enum(["stdio", "http"]), category: z.string(), message: z.string() }),

  /** `escapement open` only (never in a transcript): unreadable transcript lines that the replay skipped. */
  "replay/skipped-lines": z.looseObject({ count: z.int().min(1) }),

  "session/child-started": z.looseObject({
    childSessionId: NonEmpty,
    chartId: NonEmpty,
    parentInvokeId: InvokeId.optional(),
  }),
  "session/child-done": z.looseObject({ childSessionId: NonEmpty, status: RunStatus }),
  /**
   * A fleet child's chart moved (since 1.1): its `runner/start-config` or `runner/event-processed`
   * row, as the `phase` frame of the child's own stream would show it. A new event name rather
   * than a mirrored runner row, so nothing reads a child's configuration as the run's own.
   */
  "session/child-phase": z.looseObject({
    childSessionId: NonEmpty,
    childSeq: z.int().min(1).describe("Seq of the child's row in the child's own transcript."),
    config: StateIds.describe("The child's active state ids."),
    breadcrumb: z.array(z.string()).describe("Path of the child's deepest active state, outermost state first."),
    event: z.string().optional().describe("The chart event that moved the child (absent for its start configuration)."),
  }),
} as const;

export type EventName = keyof typeof eventDataSchemas;
export type EventDataMap = { [E in EventName]: Known<z.output<(typeof eventDataSchemas)[E]>> };
/** The `data` of event `E`; `unknown` for names this version does not know. */
export type EventData<E extends string> = E extends EventName ? EventDataMap[E] : unknown;

export type Prompt = Known<z.output<typeof Prompt>>;
export type PromptKind = z.output<typeof PromptKind>;
export type DebugMode = z.output<typeof DebugMode>;

export const eventNames = Object.keys(eventDataSchemas) as EventName[];
