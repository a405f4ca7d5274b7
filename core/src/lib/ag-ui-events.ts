/**
 * Public events -> AG-UI events (https://docs.ag-ui.com): the stream an AG-UI client (CopilotKit,
 * `@ag-ui/client`'s HttpAgent) reads. A stateful mapper, fed one public event at a time; the state
 * is what AG-UI needs paired and the public stream does not: the text message open per conversation
 * turn, the active states (each one an AG-UI step) and the tool inputs a response announced.
 *
 * - run-started / run-resumed        RUN_STARTED (threadId: the session id)
 * - chart-config                     STATE_SNAPSHOT at start, STATE_DELTA after; STEP_FINISHED for
 *                                    each state exited, STEP_STARTED for each state entered
 * - chart-context                    STATE_DELTA of `/context` (a live run's context, key by key)
 * - text-delta (text)                TEXT_MESSAGE_START on a turn's first fragment, then CONTENT;
 *                                    TEXT_MESSAGE_END at the turn's llm-response
 * - tool-call                        TOOL_CALL_START, TOOL_CALL_ARGS, TOOL_CALL_END
 * - tool-result                      TOOL_CALL_RESULT
 * - human-prompt / human-answer      CUSTOM `escapement.human-prompt` (an AG-UI Interrupt) and
 *                                    `escapement.human-answer` (an AG-UI ResumeEntry)
 * - run-done / run-aborted           RUN_FINISHED (outcome success / cancelled), after closing what is open
 * - run-error                        RUN_ERROR (code: the error category)
 *
 * Events of a fleet's child sessions (those with a `childSessionId`) and the rest (model requests,
 * retries, thinking) map to nothing: AG-UI's lifecycle checks allow one run per stream.
 */
import type {
  BaseEvent,
  CustomEvent,
  EventType,
  Interrupt,
  JsonPatchOperation,
  ResumeEntry,
  RunErrorEvent,
  RunFinishedEvent,
  RunStartedEvent,
  StateDeltaEvent,
  StateSnapshotEvent,
  StepFinishedEvent,
  StepStartedEvent,
  TextMessageContentEvent,
  TextMessageEndEvent,
  TextMessageStartEvent,
  ToolCallArgsEvent,
  ToolCallEndEvent,
  ToolCallResultEvent,
  ToolCallStartEvent,
} from "@ag-ui/core";
import type { PublicEvent, PublicEventOf } from "@escapement/wire-schema";

/** Names of the CUSTOM events that carry human prompts and their answers. */
export const AG_UI_HUMAN_PROMPT = "escapement.human-prompt";
export const AG_UI_HUMAN_ANSWER = "escapement.human-answer";
/** Name of the CUSTOM event that tells one client its resume entry was not taken (`{ interruptId, reason }`). */
export const AG_UI_ANSWER_REFUSED = "escapement.answer-refused";

export interface AgUiMapperOptions {
  /**
   * Reads a blob of the session by its ref (`llm-response` and `tool-result` carry one). With it,
   * tool calls carry their whole input and results their whole output; without it, the
   * transcript's one-line previews.
   */
  readRef?: (ref: string) => string | undefined;
}

/** The state AG-UI clients keep for this agent: the chart and its active states. */
export interface AgUiChartState {
  chartId: string;
  config: string[];
  /** The chart's context, once the run told it (`chart-context`: live runs only). */
  context?: unknown;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
/** A key as a JSON Pointer segment (RFC 6901). */
const pointer = (key: string): string => key.replaceAll("~", "~0").replaceAll("/", "~1");

/**
 * The JSON Patch from one context to the next, key by key at the top (a chart's assigns change a
 * few keys; a client applies small deltas), whole when either is not an object. Hand-written: a
 * general JSON diff library would walk every level of a context that changed at one key.
 */
export function contextPatch(before: unknown, after: unknown): JsonPatchOperation[] {
  if (before === undefined) return [{ op: "add", path: "/context", value: after }];
  if (!isRecord(before) || !isRecord(after)) return [{ op: "replace", path: "/context", value: after }];
  const ops: JsonPatchOperation[] = [];
  for (const key of Object.keys(before)) if (!Object.hasOwn(after, key)) ops.push({ op: "remove", path: `/context/${pointer(key)}` });
  for (const [key, value] of Object.entries(after)) {
    if (!Object.hasOwn(before, key)) ops.push({ op: "add", path: `/context/${pointer(key)}`, value });
    else if (JSON.stringify(before[key]) !== JSON.stringify(value)) ops.push({ op: "replace", path: `/context/${pointer(key)}`, value });
  }
  return ops;
}

/** An enum member of `@ag-ui/core` from its string, without loading the package at run time. */
const type = <T extends EventType>(name: `${T}`): T => name as unknown as T;

const turnKey = (invokeId: string, turn: number): string => `${invokeId}:${turn}`;

/** The `input` of every tool call a model response (an io blob, JSON) holds, by tool call id. */
function toolInputsOf(text: string | undefined): Map<string, unknown> {
  const inputs = new Map<string, unknown>();
  if (text === undefined) return inputs;
  try {
    const response = JSON.parse(text) as { content?: unknown };
    if (!Array.isArray(response.content)) return inputs;
    for (const block of response.content as Array<Record<string, unknown>>) {
      if (block?.type === "tool-call" && typeof block.id === "string") inputs.set(block.id, block.input ?? {});
    }
  } catch {
    // A torn or foreign blob: the previews stand in.
  }
  return inputs;
}

/** The `output` of a tool result blob (`{ input, output, isError, meta }`), as text. */
function toolOutputOf(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    const output = (JSON.parse(text) as { output?: unknown }).output;
    return typeof output === "string" ? output : output === undefined ? undefined : JSON.stringify(output);
  } catch {
    return undefined;
  }
}

/** A stateful mapper: each public event in, the AG-UI events it means out. */
export function createAgUiMapper(options: AgUiMapperOptions = {}): (event: PublicEvent) => BaseEvent[] {
  let started = false;
  let finished = false;
  let threadId = "";
  let runId = "";
  let state: AgUiChartState = { chartId: "", config: [] };
  /** Open text messages: turn key -> message id. */
  const messages = new Map<string, string>();
  /** Active steps, in the order they started. */
  const steps = new Set<string>();
  const toolInputs = new Map<string, unknown>();

  const readRef = (ref: unknown): string | undefined => {
    if (typeof ref !== "string" || !options.readRef) return undefined;
    try {
      return options.readRef(ref);
    } catch {
      return undefined;
    }
  };

  const endMessage = (key: string, out: BaseEvent[]): void => {
    const messageId = messages.get(key);
    if (messageId === undefined) return;
    messages.delete(key);
    out.push({ type: type("TEXT_MESSAGE_END"), messageId } satisfies TextMessageEndEvent);
  };

  /** Closes every open message and step: AG-UI refuses RUN_FINISHED while any is open. */
  const closeAll = (out: BaseEvent[]): void => {
    for (const key of [...messages.keys()]) endMessage(key, out);
    for (const stepName of [...steps].reverse()) out.push({ type: type("STEP_FINISHED"), stepName } satisfies StepFinishedEvent);
    steps.clear();
  };

  const moveSteps = (entered: readonly string[], exited: readonly string[], out: BaseEvent[]): void => {
    for (const stepName of exited) {
      if (steps.delete(stepName)) out.push({ type: type("STEP_FINISHED"), stepName } satisfies StepFinishedEvent);
    }
    for (const stepName of entered) {
      if (steps.has(stepName)) continue;
      steps.add(stepName);
      out.push({ type: type("STEP_STARTED"), stepName } satisfies StepStartedEvent);
    }
  };

  const chartConfig = (event: PublicEventOf<"chart-config">, out: BaseEvent[]): void => {
    if (event.cause === "start") {
      state = { ...state, config: [...event.config] };
      out.push({ type: type("STATE_SNAPSHOT"), snapshot: state } satisfies StateSnapshotEvent);
    } else {
      state = { ...state, config: [...event.config] };
      const delta: JsonPatchOperation[] = [{ op: "replace", path: "/config", value: state.config }];
      out.push({ type: type("STATE_DELTA"), delta } satisfies StateDeltaEvent);
    }
    moveSteps(event.entered, event.exited, out);
  };

  const humanPrompt = (event: PublicEventOf<"human-prompt">): BaseEvent => {
    const interrupt: Interrupt = {
      id: event.promptId,
      reason: "human_input",
      message: event.message,
      metadata: {
        kind: event.kind,
        invokeId: event.invokeId,
        ...(event.options === undefined ? {} : { options: event.options }),
        ...(event.default === undefined ? {} : { default: event.default }),
      },
    };
    return { type: type("CUSTOM"), name: AG_UI_HUMAN_PROMPT, value: interrupt } satisfies CustomEvent;
  };

  const humanAnswer = (event: PublicEventOf<"human-answer">): BaseEvent => {
    const entry: ResumeEntry = {
      interruptId: event.promptId,
      status: event.outcome === "answered" ? "resolved" : "cancelled",
      ...(event.value === undefined ? {} : { payload: event.value }),
    };
    return { type: type("CUSTOM"), name: AG_UI_HUMAN_ANSWER, value: entry } satisfies CustomEvent;
  };

  const finish = (outcome: RunFinishedEvent["outcome"], finalConfig: string[], out: BaseEvent[]): void => {
    closeAll(out);
    out.push({ type: type("RUN_FINISHED"), threadId, runId, result: { finalConfig }, outcome } satisfies RunFinishedEvent);
    finished = true;
  };

  return (event) => {
    if (finished || event.childSessionId !== undefined) return [];
    const out: BaseEvent[] = [];
    if (!started) {
      if (event.type === "chart-context") state = { ...state, context: event.context };
      // AG-UI clients refuse a stream whose first event is not RUN_STARTED.
      if (event.type !== "run-started" && event.type !== "run-resumed") return [];
      started = true;
      threadId = event.sessionId;
      runId = event.runId;
      state = { chartId: event.chartId, config: [], ...(state.context === undefined ? {} : { context: state.context }) };
      out.push({ type: type("RUN_STARTED"), threadId, runId } satisfies RunStartedEvent);
      return stamp(out, event.ts);
    }
    switch (event.type) {
      case "chart-config":
        chartConfig(event, out);
        break;
      case "chart-context": {
        const delta = contextPatch(state.context, event.context);
        state = { ...state, context: event.context };
        if (delta.length > 0) out.push({ type: type("STATE_DELTA"), delta } satisfies StateDeltaEvent);
        break;
      }
      case "text-delta": {
        if (event.kind !== "text" || event.text === "") break;
        const key = turnKey(event.invokeId, event.turn);
        let messageId = messages.get(key);
        if (messageId === undefined) {
          messageId = `${runId}:${key}`;
          messages.set(key, messageId);
          out.push({ type: type("TEXT_MESSAGE_START"), messageId, role: "assistant" } satisfies TextMessageStartEvent);
        }
        out.push({ type: type("TEXT_MESSAGE_CONTENT"), messageId, delta: event.text } satisfies TextMessageContentEvent);
        break;
      }
      case "llm-response":
        endMessage(turnKey(event.invokeId, event.turn), out);
        for (const [id, input] of toolInputsOf(readRef(event.ref))) toolInputs.set(id, input);
        break;
      case "tool-call": {
        const parentMessageId = `${runId}:${turnKey(event.invokeId, event.turn)}`;
        const input = toolInputs.get(event.toolCallId);
        toolInputs.delete(event.toolCallId);
        out.push(
          { type: type("TOOL_CALL_START"), toolCallId: event.toolCallId, toolCallName: event.name, parentMessageId } satisfies ToolCallStartEvent,
          {
            type: type("TOOL_CALL_ARGS"),
            toolCallId: event.toolCallId,
            delta: input === undefined ? event.snippet : JSON.stringify(input),
          } satisfies ToolCallArgsEvent,
          { type: type("TOOL_CALL_END"), toolCallId: event.toolCallId } satisfies ToolCallEndEvent,
        );
        break;
      }
      case "tool-result":
        out.push({
          type: type("TOOL_CALL_RESULT"),
          messageId: `${runId}:${event.toolCallId}:result`,
          toolCallId: event.toolCallId,
          content: toolOutputOf(readRef(event.ref)) ?? event.snippet,
          role: "tool",
        } satisfies ToolCallResultEvent);
        break;
      case "human-prompt":
        out.push(humanPrompt(event));
        break;
      case "human-answer":
        out.push(humanAnswer(event));
        break;
      case "run-done":
        finish({ type: "success" }, event.finalConfig, out);
        break;
      case "run-aborted":
        finish({ type: "cancelled" }, event.finalConfig, out);
        break;
      case "run-error":
        // RUN_ERROR ends the run for AG-UI; nothing open needs closing first.
        out.push({ type: type("RUN_ERROR"), message: event.message, code: event.category } satisfies RunErrorEvent);
        finished = true;
        break;
      default:
        break;
    }
    return stamp(out, event.ts);
  };
}

/** Every AG-UI event carries the public event's time. */
function stamp(events: BaseEvent[], ts: number): BaseEvent[] {
  for (const event of events) event.timestamp = ts;
  return events;
}
