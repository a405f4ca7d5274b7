/**
 * OpenTelemetry spans of a run, after the GenAI semantic conventions: one `invoke_agent` span for
 * the run, a `chat` span for each conversation turn (model call) and an `execute_tool` span for
 * each real tool call, the turns' and tools' children of the run's. Only `@opentelemetry/api` is
 * used: the host brings the SDK (a tracer provider, registered globally or given as the run's
 * `tracerProvider`). Without one, the API hands out non-recording spans and nothing is emitted.
 *
 * Every span carries the session (`gen_ai.conversation.id`, `escapement.session.id`); a turn's and
 * a tool's carry the chart state whose conversation made them (`escapement.state`), the run's the
 * chart's active states when it ended.
 */
import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer, type TracerProvider } from "@opentelemetry/api";
import type { ModelResponse } from "../llm/protocol.js";

/** The instrumentation scope the spans are recorded under. */
export const tracerName = "@escapement/core";

/** What the turns and tools of one run need to open their spans. */
export interface RunTracing {
  readonly tracer: Tracer;
  /** The run span's context: the parent of every turn and tool span. */
  readonly parent: Context;
  /** Carried by every span of the run. */
  readonly common: Attributes;
  /** Takes the run's secrets out of a failure's message before a span holds it. */
  readonly scrub: (text: string) => string;
  /** The run's clock (epoch ms): spans start and end at its times, so a test's fake clock stamps them. */
  readonly now: () => number;
}

export interface RunSpanInfo {
  sessionId: string;
  runId: string;
  chartId: string;
  resumed: boolean;
  parentSessionId?: string;
}

export interface RunSpanEnd {
  status: "done" | "aborted" | "error";
  finalConfig: readonly string[];
  error?: { category: string; message: string };
}

/**
 * A run's span, open: `tracing` for its turns and tools (none when the span records nothing, so a
 * run without a tracer provider spends nothing per turn), `context` for child runs, `end` once it
 * has settled.
 */
export interface RunSpan {
  tracing: RunTracing | undefined;
  context: Context;
  end(result: RunSpanEnd): void;
}

/** Opens the run's `invoke_agent` span on `provider`, or on the globally registered provider. */
export function startRunSpan(
  provider: TracerProvider | undefined,
  parent: Context | undefined,
  info: RunSpanInfo,
  scrub: (text: string) => string,
  now: () => number,
): RunSpan {
  const tracer = (provider ?? trace.getTracerProvider()).getTracer(tracerName);
  const common: Attributes = { "gen_ai.conversation.id": info.sessionId, "escapement.session.id": info.sessionId };
  const within = parent ?? context.active();
  const span = tracer.startSpan(
    `invoke_agent ${info.chartId}`,
    {
      kind: SpanKind.INTERNAL,
      startTime: now(),
      attributes: {
        ...common,
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": info.chartId,
        "gen_ai.agent.id": info.runId,
        "escapement.run.id": info.runId,
        "escapement.run.resumed": info.resumed,
        ...(info.parentSessionId ? { "escapement.session.parent_id": info.parentSessionId } : {}),
      },
    },
    within,
  );
  const spanContext = trace.setSpan(within, span);
  return {
    tracing: span.isRecording() ? { tracer, parent: spanContext, common, scrub, now } : undefined,
    context: spanContext,
    end: (result) => {
      span.setAttributes({ "escapement.run.status": result.status, "escapement.state": [...result.finalConfig] });
      if (result.error) failSpan(span, result.error.category, scrub(result.error.message));
      span.end(now());
    },
  };
}

/** A conversation turn: the chart state (and invoke) it belongs to, its number, the alias it asks for. */
export interface TurnSpanInfo {
  invokeId: string;
  stateId: string;
  turn: number;
  model: string;
}

/**
 * Runs one model call of a turn inside its `chat` span: the span records what the reply used and
 * why it stopped, or the failure. The call runs in the span's context, so the spans of an
 * instrumented HTTP client nest under it.
 */
export async function traceTurn<T extends { response: ModelResponse }>(
  tracing: RunTracing | undefined,
  info: TurnSpanInfo,
  call: () => Promise<T>,
): Promise<T> {
  if (!tracing) return call();
  const span = tracing.tracer.startSpan(
    `chat ${info.model}`,
    {
      kind: SpanKind.CLIENT,
      startTime: tracing.now(),
      attributes: {
        ...tracing.common,
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": info.model,
        "escapement.state": info.stateId,
        "escapement.invoke.id": info.invokeId,
        "escapement.turn": info.turn,
      },
    },
    tracing.parent,
  );
  try {
    const result = await context.with(trace.setSpan(tracing.parent, span), call);
    span.setAttributes(responseAttributes(result.response));
    return result;
  } catch (error) {
    failSpan(span, errorType(error), tracing.scrub((error as Error)?.message ?? String(error)));
    throw error;
  } finally {
    span.end(tracing.now());
  }
}

/** The GenAI attributes of a model's reply; its target `provider:model` names the provider and the model that answered. */
export function responseAttributes(response: ModelResponse): Attributes {
  const colon = response.target.indexOf(":");
  const { usage } = response;
  return {
    ...(colon > 0 ? { "gen_ai.provider.name": response.target.slice(0, colon) } : {}),
    "gen_ai.response.model": colon > 0 ? response.target.slice(colon + 1) : response.target,
    "gen_ai.response.finish_reasons": [response.stopReason],
    "gen_ai.usage.input_tokens": usage.input,
    "gen_ai.usage.output_tokens": usage.output,
    ...(usage.cacheRead > 0 ? { "gen_ai.usage.cache_read.input_tokens": usage.cacheRead } : {}),
    ...(usage.cacheWrite > 0 ? { "gen_ai.usage.cache_creation.input_tokens": usage.cacheWrite } : {}),
    ...(response.costUsd === undefined ? {} : { "escapement.cost_usd": response.costUsd }),
  };
}

/** One real tool call: the conversation's state and invoke, its turn, the call's id and tool. */
export interface ToolSpanInfo {
  invokeId: string;
  stateId: string;
  turn: number;
  toolCallId: string;
  name: string;
}

/** Runs one tool call inside its `execute_tool` span; a result the model is told is an error marks the span failed. */
export async function traceTool<T extends { isError: boolean; meta?: Record<string, unknown> }>(
  tracing: RunTracing | undefined,
  info: ToolSpanInfo,
  execute: () => Promise<T>,
): Promise<T> {
  if (!tracing) return execute();
  const span = tracing.tracer.startSpan(
    `execute_tool ${info.name}`,
    {
      kind: SpanKind.INTERNAL,
      startTime: tracing.now(),
      attributes: {
        ...tracing.common,
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": info.name,
        "gen_ai.tool.call.id": info.toolCallId,
        "gen_ai.tool.type": "function",
        "escapement.state": info.stateId,
        "escapement.invoke.id": info.invokeId,
        "escapement.turn": info.turn,
      },
    },
    tracing.parent,
  );
  try {
    const outcome = await context.with(trace.setSpan(tracing.parent, span), execute);
    if (outcome.isError) failSpan(span, outcome.meta?.timedOut === true ? "timeout" : "tool_error");
    return outcome;
  } catch (error) {
    failSpan(span, errorType(error), tracing.scrub((error as Error)?.message ?? String(error)));
    throw error;
  } finally {
    span.end(tracing.now());
  }
}

/** The `error.type` of a failure: an `LlmError`'s category, else the error's class name. */
const errorType = (error: unknown): string => {
  const category = (error as { category?: unknown } | undefined)?.category;
  if (typeof category === "string") return category;
  return error instanceof Error ? error.name : "unknown";
};

function failSpan(span: Span, type: string, message?: string): void {
  span.setAttribute("error.type", type);
  span.setStatus({ code: SpanStatusCode.ERROR, ...(message === undefined ? {} : { message }) });
}
