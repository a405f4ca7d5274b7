import { snippet } from "@escapement/wire-schema";
import { finishStep, startStep } from "../engine/step-hooks.js";
import { traceTool, traceTurn } from "../engine/run-tracing.js";
import type { ContentBlock, ModelMessage, ModelRequest, ModelResponse, ToolSpec } from "../llm/protocol.js";
import { isLlmError, LlmError } from "../llm/llm-error.js";
import { turnEventData } from "../llm/model-layer-event.js";
import { requestJson } from "../llm/request-json.js";
import { toToolSpec } from "../tools/tool-spec.js";
import type { Tool } from "../tools/tool.js";
import type { AllowedEvents } from "./event-tools.js";
import { checkEventPayload } from "./event-tools.js";
import type { ConversationState } from "./conversation-state.js";
import type { RunServices } from "../engine/run-services.js";
import { builtinConversationTools, type ConversationToolHost } from "./conversation-tools.js";
import { toolPermit } from "./tool-permit.js";
import type { RecordedToolCall, RecordedTurn } from "../engine/recorded-turns.js";
import { processStat } from "../tools/process-stat.js";
import { processTagOf } from "../engine/process-tag.js";
import type { EventData } from "@escapement/wire-schema";
import { dispatchCalls, type DispatchCall } from "./tool-dispatch.js";
import { resolveToolDispatch, type ToolDispatchSettings } from "../tools/tool-dispatch-settings.js";
import { isTimedOut, withTimeout, type CallTimer } from "./tool-timeout.js";
import { toolCallKey, toolLoopsOf } from "./tool-loop.js";
import { coalescedCheckpoint } from "./step-checkpoint.js";

export interface ChartEvent {
  type: string;
  [key: string]: unknown;
}

/** What one model turn produced; the conversation commits it, then the chart sees the events. */
export interface TurnOutcome {
  append: ModelMessage[];
  events: ChartEvent[];
  phase: "calling" | "idle";
  validationStrikes: number;
}

export interface TurnContext {
  services: RunServices;
  state: ConversationState;
  allowedEvents: AllowedEvents;
  signal: AbortSignal;
  host: ConversationToolHost;
  /** Names this conversation instance's io blobs; unique within the session. Default: the invoke id. */
  blobPrefix?: string;
  /**
   * How the step's tool calls run: parallel limit, timeouts, loop threshold (the run's settings
   * under the conversation's). Default `defaultToolDispatch`.
   */
  dispatch?: Partial<ToolDispatchSettings>;
}

/** The conversation's real tools: its whitelist, or every registered tool for "*". */
const realToolsOf = (state: ConversationState, services: RunServices) =>
  state.realTools.includes("*") ? services.tools.list() : services.tools.pick(state.realTools);

/**
 * Safe file-name stem for io blobs of a conversation turn. The prefix names one conversation
 * instance (see `TurnContext.blobPrefix`): a re-entered state or a later state reusing the invoke
 * id starts a new instance and must not overwrite the blobs of an earlier one.
 */
export const blobStem = (ctx: Pick<TurnContext, "blobPrefix" | "state">, turn: number): string =>
  `${(ctx.blobPrefix ?? ctx.state.invokeId).replace(/[^A-Za-z0-9_-]/g, "_")}-t${turn}`;

// A tool's spec is a pure function of the tool; converting its zod input to JSON Schema on every
// turn cost ~30 us per tool (~240 us a turn with the built-ins). Specs are shared, never mutated.
const toolSpecs = new WeakMap<Tool, ToolSpec>();
const specOf = (tool: Tool): ToolSpec => {
  let spec = toolSpecs.get(tool);
  if (!spec) {
    spec = toToolSpec(tool);
    toolSpecs.set(tool, spec);
  }
  return spec;
};

export function buildRequest(ctx: Pick<TurnContext, "services" | "state">, turn: number): ModelRequest {
  const { state, services } = ctx;
  const tools = [
    ...realToolsOf(state, services).map(specOf),
    ...builtinConversationTools(state).map((tool) => tool.spec),
    ...state.eventTools.map((tool) => tool.spec),
  ];
  return {
    model: state.model,
    ...(state.system === undefined ? {} : { system: state.system }),
    messages: state.messages,
    tools,
    params: state.params,
    stream: state.stream,
    origin: { invokeId: state.invokeId, stateId: state.stateId, turn },
    // Fallback aliases only when there are any besides `model` (the default `models` is `[model]`).
    ...(state.models.some((alias) => alias !== state.model) ? { models: state.models } : {}),
    ...(state.resilience === undefined || state.resilience === null ? {} : { resilience: state.resilience }),
    ...(state.needs === undefined ? {} : { needs: state.needs }),
  };
}

/** Runs one model turn and every tool call it makes. Throws `LlmError` when the model call fails. */
export async function runTurn(ctx: TurnContext): Promise<TurnOutcome> {
  const { services, state } = ctx;
  const turn = state.turn + 1;
  const stem = blobStem(ctx, turn);
  const recorded = services.recorded.take(state.invokeId, turn);
  const answered = recorded
    ? { response: services.recorded.response(recorded), responseRef: recorded.responseRef }
    : await traceTurn(services.tracing, { invokeId: state.invokeId, stateId: state.stateId, turn, model: state.model }, () => callModel(ctx, turn, stem));
  const { response, responseRef } = answered;
  const text = blocksText(response.content);
  const assistant: ModelMessage = { role: "assistant", content: response.content };
  const calls = toolCallsOf(response);
  if (calls.length === 0) {
    const idle: ChartEvent = { type: state.onEndTurnEvent, invokeId: state.invokeId, turn, ref: responseRef, snippet: snippet(text), text };
    return { append: [assistant], events: [idle], phase: "idle", validationStrikes: 0 };
  }

  const dispatch = resolveToolDispatch(ctx.dispatch);
  const results: (ContentBlock | undefined)[] = calls.map(() => undefined);
  const events: ChartEvent[] = [];
  // Rows of invalid event payloads come after the real tools: a resume that runs this turn again
  // from its kept rows then never writes one twice.
  const validationRows: EventData<"llm/tool-validation-failed">[] = [];
  let invalid = false;
  const real: { index: number; call: ToolCall }[] = [];
  for (const [index, call] of calls.entries()) {
    const eventTool = state.eventTools.find((tool) => tool.toolName === call.name);
    if (!eventTool) {
      real.push({ index, call });
      continue;
    }
    const allowed = ctx.allowedEvents[eventTool.eventName];
    const check = allowed ? checkEventPayload(allowed, call.input) : ({ ok: false, issues: "event is no longer allowed" } as const);
    if (check.ok) {
      events.push({ ...check.payload, type: eventTool.eventName, invokeId: state.invokeId });
      results[index] = toolResult(call, "ok", false);
    } else {
      invalid = true;
      const final = state.validationStrikes >= 1;
      validationRows.push({ invokeId: state.invokeId, turn, toolCallId: call.id, name: call.name, issues: check.issues, final });
      results[index] = toolResult(call, `invalid payload for event "${eventTool.eventName}": ${check.issues}. Call the tool again with a valid payload.`, true);
    }
  }
  if (real.length > 0) {
    const ran = await runRealTools(ctx, real, turn, stem, recorded, dispatch);
    for (const [at, { index }] of real.entries()) results[index] = ran[at];
  }
  if (dispatch.toolLoopThreshold !== false) {
    for (const loop of toolLoopsOf(
      state.messages,
      real.map(({ call }) => call),
      dispatch.toolLoopThreshold,
    )) {
      if (!recorded?.loops.has(loop.toolCallId)) {
        services.transcript.append("llm/tool-loop", { invokeId: state.invokeId, turn, ...loop, threshold: dispatch.toolLoopThreshold });
      }
      events.push({ type: "llm.tool-loop", invokeId: state.invokeId, turn, toolCallId: loop.toolCallId, name: loop.name, count: loop.count });
    }
  }
  for (const row of validationRows) services.transcript.append("llm/tool-validation-failed", row);

  const strikes = invalid ? state.validationStrikes + 1 : 0;
  const append: ModelMessage[] = [assistant, { role: "user", content: results as ContentBlock[] }];
  if (strikes >= 2) {
    events.push({ type: "error.llm.tool-validation", invokeId: state.invokeId, turn, category: "tool-validation" });
    return { append, events, phase: "idle", validationStrikes: strikes };
  }
  return { append, events, phase: "calling", validationStrikes: strikes };
}

/**
 * Calls the model for `turn` and records its response. The response, and a row for each tool call it
 * makes, are kept (checkpointed) before anything acts on them: a crash from here on never pays for
 * this answer again.
 */
async function callModel(ctx: TurnContext, turn: number, stem: string): Promise<{ response: ModelResponse; responseRef: string }> {
  const { services, state, signal } = ctx;
  const step = { invokeId: state.invokeId, stateId: state.stateId, turn };
  const request = await startStep(services.stepHooks, step, buildRequest(ctx, turn));
  const lastUser = [...state.messages].reverse().find((message) => message.role === "user");
  // Checkpoint before the request row, so a crash during the call cuts the whole attempt.
  services.transcript.flush();
  services.transcript.append("llm/request", {
    invokeId: state.invokeId,
    stateId: state.stateId,
    turn,
    model: state.model,
    messageCount: request.messages.length,
    tools: request.tools.map((tool) => tool.name),
    ref: services.io.putJson(`${stem}-request`, requestJson(request)),
    snippet: snippet(lastUser ? blocksText(lastUser.content) : ""),
  });
  services.transcript.flush();

  const started = services.clock.now();
  const done = services.inflight.begin(`model call ${state.invokeId} turn ${turn}`);
  let response: ModelResponse;
  // What the provider was sent after model middleware, when middleware ran (the last try's).
  let sent: object | undefined;
  try {
    response = await services.model.call(request, {
      signal,
      onSent: (params) => {
        sent = params;
      },
      onDelta: (delta) => {
        // A client may stream on after the abort; the conversation has ended, so its rows have too.
        if (!signal.aborted) services.transcript.append("llm/delta", { invokeId: state.invokeId, turn, kind: delta.kind, text: delta.text });
      },
      // What the model layer did on the way (llm/retry, llm/model-down, llm/latency-switch, ...).
      onEvent: (event, data) => {
        if (!signal.aborted) services.transcript.append(event, turnEventData(data, state.invokeId, turn));
      },
    });
  } catch (error) {
    // Whatever the model call throws is the model's failure; anything else a turn throws is local
    // (the session directory could not be written) and the driver ends the run on it.
    // A file-system error (it names a path: the cassette could not be written) is the session's, not the model's.
    if (isFileSystemError(error)) throw error;
    throw isLlmError(error) ? error : new LlmError("transport", (error as Error).message ?? String(error), { cause: error });
  } finally {
    done();
  }
  throwIfEnded(signal, "the conversation ended while the model was answering");
  const elapsedMs = services.clock.now() - started;
  const text = blocksText(response.content);
  const responseRef = services.io.put(`${stem}-response`, response);
  const sentRef = sent === undefined ? undefined : services.io.put(`${stem}-sent`, sent);
  const generationMs = elapsedMs - (response.ttftMs ?? 0);
  services.transcript.append("llm/response", {
    invokeId: state.invokeId,
    stateId: state.stateId,
    turn,
    target: response.target,
    stopReason: response.stopReason,
    usage: response.usage,
    elapsedMs,
    ...(response.ttftMs === undefined ? {} : { ttftMs: Math.round(response.ttftMs) }),
    ...(generationMs > 0 ? { tokensPerSec: Math.round((response.usage.output / generationMs) * 1000 * 10) / 10 } : {}),
    ...(response.costUsd === undefined ? {} : { costUsd: response.costUsd }),
    ...(response.contextUsed === undefined ? {} : { contextUsed: response.contextUsed }),
    ref: responseRef,
    ...(sentRef === undefined ? {} : { sentRef }),
    snippet: snippet(text),
  });
  let realTools = false;
  for (const call of toolCallsOf(response)) {
    const eventTool = state.eventTools.some((tool) => tool.toolName === call.name);
    realTools ||= !eventTool;
    services.transcript.append("llm/tool-call", {
      invokeId: state.invokeId,
      turn,
      toolCallId: call.id,
      name: call.name,
      toolKind: eventTool ? "event" : "real",
      snippet: snippet(JSON.stringify(call.input ?? {})),
    });
  }
  // Written ahead of the tools it asks for. A reply that runs none moves the chart, which
  // checkpoints anyway; until then the cassette answers it again on a resume (answered-calls.ts).
  if (realTools) void services.checkpointNow();
  await finishStep(services.stepHooks, step, request, response, services.log);
  return { response, responseRef };
}

const toolCallsOf = (response: ModelResponse): Extract<ContentBlock, { type: "tool-call" }>[] =>
  response.content.filter((block): block is Extract<ContentBlock, { type: "tool-call" }> => block.type === "tool-call");

type ToolCall = Extract<ContentBlock, { type: "tool-call" }>;

/** What the model is told about a tool call the dead run left running, when the tool cannot safely run again. */
export const interruptedToolOutput = (name: string): string =>
  `interrupted: the run stopped (it crashed or was killed) while ${name} was running, so whether it finished and what it changed ` +
  "is unknown. Check the state it would have changed before relying on it or running it again.";

/** What one real tool call returned, and where its result is kept. */
interface RealOutcome {
  output: string;
  isError: boolean;
  meta?: Record<string, unknown>;
  ref: string;
}

/**
 * The real tool calls of one step, dispatched by policy (see tool-dispatch.ts): parallel-safe calls
 * together up to `maxParallelTools`, serial calls alone, identical parallel-safe calls once. Each
 * call is written ahead on its own (`runRealTool`); a call that shared another's run gets its own
 * `tool/finished` and `llm/tool-result` rows, naming the call whose result it took.
 */
async function runRealTools(
  ctx: TurnContext,
  real: readonly { call: ToolCall }[],
  turn: number,
  stem: string,
  recorded: RecordedTurn | undefined,
  dispatch: ToolDispatchSettings,
): Promise<ContentBlock[]> {
  const { services, state } = ctx;
  const builtins = builtinConversationTools(state);
  const tools = realToolsOf(state, services);
  const checkpoint = coalescedCheckpoint(() => services.checkpointNow());
  const plan: DispatchCall<RealOutcome>[] = real.map(({ call }) => {
    const builtin = builtins.find((tool) => tool.spec.name === call.name);
    const tool = builtin ? undefined : tools.find((candidate) => candidate.name === call.name);
    return {
      key: toolCallKey(call),
      // A chart's conversation tools (ask_human, messaging) and unknown names run alone.
      parallel: tool?.parallel === true,
      run: () => runRealTool(ctx, call, turn, stem, recorded?.tools.get(call.id), builtin, tool, dispatch, checkpoint),
    };
  });
  const { results, sharedWith } = await dispatchCalls(plan, dispatch.maxParallelTools);
  const blocks: ContentBlock[] = [];
  let shared = false;
  for (const [at, { call }] of real.entries()) {
    const outcome = results[at]!;
    const first = sharedWith[at];
    if (first !== undefined && !recorded?.tools.get(call.id)?.finished) {
      shared = true;
      const ids = { invokeId: state.invokeId, turn, toolCallId: call.id, name: call.name };
      const meta = { ...outcome.meta, sharedWith: real[first]!.call.id };
      services.transcript.append("tool/finished", { ...ids, isError: outcome.isError, ref: outcome.ref });
      services.transcript.append("llm/tool-result", { ...ids, isError: outcome.isError, ref: outcome.ref, snippet: snippet(outcome.output), meta });
    }
    blocks.push(toolResult(call, outcome.output, outcome.isError));
  }
  if (shared) void services.checkpointNow();
  return blocks;
}

/**
 * One real tool call, written ahead: `tool/started` is kept before the tool runs, and
 * `tool/finished` (with the result) before the model sees it. In a resumed turn, a call whose
 * result is on disk is not run again; a call the dead run left running runs again only if the tool
 * is idempotent, else the model is told its outcome is unknown. Calls running side by side each
 * keep their own rows; calls that start (or finish) in the same tick share one checkpoint.
 */
async function runRealTool(
  ctx: TurnContext,
  call: ToolCall,
  turn: number,
  stem: string,
  recorded: RecordedToolCall | undefined,
  builtin: ReturnType<typeof builtinConversationTools>[number] | undefined,
  tool: Tool | undefined,
  dispatch: ToolDispatchSettings,
  checkpoint: () => Promise<void>,
): Promise<RealOutcome> {
  const { services, state } = ctx;
  if (recorded?.finished) {
    const result = services.recorded.toolResult(recorded.finished.ref);
    return { output: result.output, isError: result.isError, ref: recorded.finished.ref };
  }
  const ids = { invokeId: state.invokeId, turn, toolCallId: call.id, name: call.name };
  let outcome: { output: string; isError: boolean; meta?: Record<string, unknown> };
  if (recorded?.started && !(builtin !== undefined || tool?.idempotent === true)) {
    services.transcript.append("tool/interrupted", { ...ids, rerun: false });
    outcome = { output: interruptedToolOutput(call.name), isError: true, meta: { interrupted: true } };
  } else {
    if (recorded?.started) services.transcript.append("tool/interrupted", { ...ids, rerun: true });
    services.transcript.append("tool/started", ids);
    await checkpoint();
    throwIfEnded(ctx.signal, "the conversation ended before a tool could start");
    outcome = await traceTool(services.tracing, { ...ids, stateId: state.stateId }, () => executeTool(ctx, call, turn, builtin, tool, dispatch));
  }
  const ref = services.io.put(`${stem}-tool-${call.id.replace(/[^A-Za-z0-9_-]/g, "_")}`, { input: call.input, ...outcome });
  services.transcript.append("tool/finished", { ...ids, isError: outcome.isError, ref });
  services.transcript.append("llm/tool-result", {
    ...ids,
    isError: outcome.isError,
    ref,
    snippet: snippet(outcome.output),
    ...(outcome.meta ? { meta: outcome.meta } : {}),
  });
  await checkpoint();
  return { ...outcome, ref };
}

/** The time one call of `tool` may run: the conversation's per-tool setting, the tool's own, the default; longer when its input asks. */
export function callTimeoutMs(tool: Tool, input: unknown, dispatch: ToolDispatchSettings): number {
  const base = (Object.hasOwn(dispatch.toolTimeouts, tool.name) ? dispatch.toolTimeouts[tool.name] : undefined) ?? tool.timeoutMs ?? dispatch.toolTimeoutMs;
  const asked = tool.timeoutFor?.(input);
  return asked !== undefined && asked > base ? asked : base;
}

/** Runs a tool call (after the policy allows it) and returns what the model is told. */
async function executeTool(
  ctx: TurnContext,
  call: ToolCall,
  turn: number,
  builtin: ReturnType<typeof builtinConversationTools>[number] | undefined,
  tool: Tool | undefined,
  dispatch: ToolDispatchSettings,
): Promise<{ output: string; isError: boolean; meta?: Record<string, unknown> }> {
  const { services, state, signal } = ctx;
  if (!builtin && !tool) {
    const available = [...realToolsOf(state, services).map((t) => t.name), ...state.eventTools.map((t) => t.toolName)];
    return { output: `unknown tool "${call.name}"; available: ${available.join(", ")}`, isError: true };
  }
  const done = services.inflight.begin(`tool ${call.name}`);
  let outcome: { output: string; isError: boolean; meta?: Record<string, unknown> };
  try {
    if (builtin) {
      const result = await builtin.execute(call.input, ctx.host, signal);
      outcome = { output: result.output, isError: result.isError ?? false };
    } else {
      // A conversation tool (ask_human waits for a person) has no timeout; a real tool has one.
      const timeoutMs = callTimeoutMs(tool!, call.input, dispatch);
      const ran = await withTimeout(services.clock, timeoutMs, signal, (callSignal, timer) => executeRealTool(ctx, call, turn, tool!, callSignal, timer));
      outcome = isTimedOut(ran)
        ? {
            output: `tool ${call.name} timed out after ${ran.timeoutMs} ms and was stopped; the run goes on.`,
            isError: true,
            meta: { timedOut: true, timeoutMs: ran.timeoutMs },
          }
        : ran;
    }
  } catch (error) {
    if (signal.aborted) throw new LlmError("aborted", "conversation ended while a tool was running", { cause: error });
    outcome = { output: `tool ${call.name} failed: ${(error as Error).message}`, isError: true };
  } finally {
    done();
  }
  // A tool that ignored the abort and finished anyway: its result has no conversation to go to.
  throwIfEnded(signal, "the conversation ended while a tool was running");
  return outcome;
}

async function executeRealTool(
  ctx: TurnContext,
  call: ToolCall,
  turn: number,
  tool: Tool,
  signal: AbortSignal,
  timer: CallTimer,
): Promise<{ output: string; isError: boolean; meta?: Record<string, unknown> }> {
  const { services, state } = ctx;
  const parsed = tool.input.safeParse(call.input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(input)"}: ${i.message}`).join("; ");
    return { output: `invalid input for ${call.name}: ${issues}`, isError: true };
  }
  const policy = services.permissions.policyFor(state.permissions, `conversation "${state.invokeId}"`);
  const asked = toolPermit(services, policy, { invokeId: state.invokeId, stateId: state.stateId, turn, toolCallId: call.id, tool: call.name }, signal);
  // The time a human takes to answer a permission ask is not the tool's: its timer waits meanwhile.
  const permit: typeof asked = async (target) => {
    timer.pause();
    try {
      return await asked(target);
    } finally {
      timer.resume();
    }
  };
  // A tool that names no targets is checked as a whole before it runs.
  const refusal = tool.checksPermissions ? undefined : await permit({ kind: "tool" });
  if (refusal && !refusal.allowed) {
    return { output: refusal.message ?? `permission denied: ${call.name}`, isError: true, meta: { permission: "denied", rule: refusal.rule } };
  }
  const result = await tool.execute(parsed.data, {
    signal,
    workDir: services.workDir,
    permit,
    env: services.toolEnv,
    downloadDir: services.downloadDir,
    ...(services.permissions.sandbox ? { sandbox: services.permissions.sandbox } : {}),
    processTag: processTagOf(services.sessionId, state.invokeId, turn, call.id),
    onProcessGroup: (pgid) => {
      const startTicks = processStat(pgid)?.startTicks;
      services.transcript.append("tool/process", {
        invokeId: state.invokeId,
        turn,
        toolCallId: call.id,
        pgid,
        ...(startTicks === undefined ? {} : { startTicks }),
      });
      void services.checkpointNow();
    },
  });
  return { output: result.output, isError: result.isError ?? false, ...(result.meta ? { meta: result.meta } : {}) };
}

const isFileSystemError = (error: unknown): boolean =>
  error instanceof Error && typeof (error as NodeJS.ErrnoException).code === "string" && typeof (error as NodeJS.ErrnoException).path === "string";

/** Nothing may be recorded for a conversation once it ended (its state was left or the run stopped). */
function throwIfEnded(signal: AbortSignal, message: string): void {
  if (signal.aborted) throw new LlmError("aborted", message, { cause: signal.reason });
}

const toolResult = (call: { id: string; name: string }, output: string, isError: boolean): ContentBlock => ({
  type: "tool-result",
  toolCallId: call.id,
  name: call.name,
  output,
  ...(isError ? { isError } : {}),
});

export const blocksText = (content: readonly ContentBlock[]): string =>
  content
    .filter((block): block is { type: "text"; text: string } => block.type === "text")
    .map((block) => block.text)
    .join("");

/** `error.llm.<category>`; when the model layer tried more than once, `attempts` lists every try. */
export const errorEventOf = (error: unknown, invokeId: string): ChartEvent => {
  const category = isLlmError(error) ? error.category : "transport";
  const attempts = isLlmError(error) ? error.attempts : undefined;
  return {
    type: `error.llm.${category}`,
    invokeId,
    category,
    message: (error as Error).message,
    ...(attempts === undefined ? {} : { attempts: attempts.map((attempt) => ({ ...attempt })) }),
  };
};
