/**
 * A `ModelClient` that answers from a script: for tests and demos that run with no provider.
 */
import { LlmError } from "./llm-error.js";
import type { CallOptions, ContentBlock, ModelClient, ModelDelta, ModelRequest, ModelResponse, RequestOrigin, StopReason, Usage } from "./protocol.js";
import { expectationFailures } from "./request-matcher.js";
import { describeRequest, estimateTokens, requestTextLength, tokensOfLength } from "./request-summary.js";
import { describeStep, isByStateScript, isErrorStep } from "./script.js";
import type { ErrorStep, ReplyStep, Script, Step, StepList } from "./script.js";
import { realClock, wakeAfter, type ScriptClock } from "./script-clock.js";

export const defaultScriptedAliases = ["default", "fast", "smart"] as const;

export interface ScriptedModelOptions {
  /** Aliases `assertAlias` and `call` accept. Default `defaultScriptedAliases`. */
  aliases?: readonly string[];
  /** Default: real timers. */
  clock?: ScriptClock;
  /** Ids of tool calls without an explicit id. Default: `call_1`, `call_2`, ... per model. */
  nextId?: () => string;
}

interface StepQueue {
  readonly label: string;
  readonly steps: StepList;
  next: number;
}

export interface PendingStep {
  /** `script`, `byState["<stateId>"]` or `default`. */
  queue: string;
  /** 1-based position in its list. */
  position: number;
  summary: string;
}

const queueOf = (label: string, steps: StepList): StepQueue => ({ label, steps, next: 0 });

/** Word-ish fragments (each word with its trailing space) that join back to `text`. */
export const splitWords = (text: string): string[] => text.match(/\S+\s*|\s+/g) ?? [];

const counterIds = (): (() => string) => {
  let count = 0;
  return () => `call_${++count}`;
};

export class ScriptedModel implements ModelClient {
  /** Every request received, in order, as it was at call time. */
  readonly calls: ModelRequest[] = [];
  readonly aliases: readonly string[];
  private readonly clock: ScriptClock;
  private readonly nextId: () => string;
  private readonly list: StepQueue | undefined;
  private readonly byState = new Map<string, StepQueue>();
  private readonly fallback: StepQueue | undefined;

  constructor(script: Script, options: ScriptedModelOptions = {}) {
    this.aliases = options.aliases ?? defaultScriptedAliases;
    this.clock = options.clock ?? realClock;
    this.nextId = options.nextId ?? counterIds();
    if (isByStateScript(script)) {
      for (const [stateId, steps] of Object.entries(script.byState)) {
        this.byState.set(stateId, queueOf(`byState[${JSON.stringify(stateId)}]`, steps));
      }
      this.fallback = script.default && queueOf("default", script.default);
    } else {
      this.list = queueOf("script", script);
    }
  }

  assertAlias(alias: string): void {
    if (!this.aliases.includes(alias)) {
      throw new LlmError("unknown-alias", `scripted model: unknown alias ${JSON.stringify(alias)}; known aliases: ${this.aliases.join(", ")}`);
    }
  }

  async call(request: ModelRequest, options: CallOptions): Promise<ModelResponse> {
    // Requests are values: the runtime builds a new one per call and never mutates it or its
    // messages, so copying the lists keeps the record as it was at call time without a deep clone.
    const recorded: ModelRequest = { ...request, messages: [...request.messages], tools: [...request.tools] };
    this.calls.push(recorded);
    this.throwIfAborted(recorded, options.signal);
    this.assertAlias(recorded.model);
    const { step, queue, position } = this.take(recorded);
    const resolved = typeof step === "function" ? step(recorded) : step;
    if (resolved.expect !== undefined) {
      const failures = expectationFailures(recorded, resolved.expect);
      if (failures.length > 0) {
        throw new LlmError(
          "script-mismatch",
          `scripted model: ${queue.label} #${position} (${describeStep(resolved)}) does not match the request ` +
            `(${describeRequest(recorded)}): ${failures.join("; ")}`,
        );
      }
    }
    return isErrorStep(resolved) ? this.fail(recorded, resolved, options.signal) : this.reply(recorded, resolved, options);
  }

  /**
   * Marks calls as already made, as in a resumed run: each consumes its step without replying,
   * so the script continues where the interrupted run stopped.
   */
  skipCompleted(origins: readonly RequestOrigin[]): void {
    for (const origin of origins) {
      const queue = this.list ?? this.byState.get(origin.stateId) ?? this.fallback;
      if (queue && queue.next < queue.steps.length) queue.next += 1;
    }
  }

  /** Steps not consumed yet, per list, in order. */
  pending(): PendingStep[] {
    const queues = this.list ? [this.list] : [...this.byState.values(), ...(this.fallback ? [this.fallback] : [])];
    return queues.flatMap((queue) =>
      queue.steps.slice(queue.next).map((step, index) => ({
        queue: queue.label,
        position: queue.next + index + 1,
        summary: describeStep(step),
      })),
    );
  }

  /** Throws, listing every step not consumed, unless the whole script was used. */
  assertComplete(): void {
    const pending = this.pending();
    if (pending.length === 0) return;
    const lines = pending.map((step) => `  ${step.queue} #${step.position}: ${step.summary}`);
    throw new Error(`scripted model: ${pending.length} step(s) not consumed:\n${lines.join("\n")}`);
  }

  private take(request: ModelRequest): { step: Step; queue: StepQueue; position: number } {
    const stateId = request.origin.stateId;
    const queue = this.list ?? this.byState.get(stateId) ?? this.fallback;
    if (queue === undefined) {
      const known = [...this.byState.keys()].map((key) => JSON.stringify(key)).join(", ");
      throw new LlmError(
        "script-exhausted",
        `scripted model: no script for state ${JSON.stringify(stateId)} (byState has ${known || "no states"}; ` +
          `no default) for request: ${describeRequest(request)}`,
      );
    }
    const step = queue.steps[queue.next];
    if (step === undefined) {
      throw new LlmError(
        "script-exhausted",
        `scripted model: script exhausted: all ${queue.steps.length} step(s) of ${queue.label} consumed, ` +
          `no reply for request: ${describeRequest(request)}`,
      );
    }
    queue.next += 1;
    return { step, queue, position: queue.next };
  }

  private async fail(request: ModelRequest, step: ErrorStep, signal: AbortSignal): Promise<never> {
    const waits = this.waitsFor(request, signal);
    try {
      await waits.until(step.afterMs ?? 0);
      this.throwIfAborted(request, signal);
    } finally {
      waits.dispose();
    }
    const { category, message, status, retryAfterMs } = step.error;
    throw new LlmError(category, message, { status, retryAfterMs });
  }

  private async reply(request: ModelRequest, step: ReplyStep, options: CallOptions): Promise<ModelResponse> {
    const { signal, onDelta } = options;
    const started = this.clock.now();
    let ttftMs: number | undefined;
    const thinking: string[] = step.thinking === undefined ? [] : [step.thinking];
    const text: string[] = step.text === undefined ? [] : [step.text];
    const emit = (delta: ModelDelta): void => {
      this.throwIfAborted(request, signal);
      if (!request.stream) return;
      ttftMs ??= this.clock.now() - started;
      onDelta?.(delta);
    };

    const waits = this.waitsFor(request, signal);
    try {
      await waits.until(step.firstTokenMs ?? 0);
      for (const fragment of splitWords(step.thinking ?? "")) emit({ kind: "thinking", text: fragment });
      for (const fragment of splitWords(step.text ?? "")) emit({ kind: "text", text: fragment });
      const deltas = step.deltas ?? [];
      // An index loop: a for-of across awaits allocates an iterator result per fragment.
      for (let index = 0; index < deltas.length; index++) {
        const delta = deltas[index]!;
        // An overdue fragment goes out in the same tick: no promise, no timer.
        const wait = waits.until(delta.afterMs ?? 0);
        if (wait) await wait;
        const kind = delta.kind ?? "text";
        (kind === "thinking" ? thinking : text).push(delta.text);
        emit({ kind, text: delta.text });
      }
    } finally {
      waits.dispose();
    }
    this.throwIfAborted(request, signal);

    const calls = [
      ...(step.toolCalls ?? []).map((call) => ({ id: call.id, name: call.name, input: call.input ?? {} })),
      ...(step.events ?? []).map((event) => ({ id: event.id, name: event.name, input: event.payload ?? {} })),
    ];
    const content: ContentBlock[] = [
      ...(thinking.length > 0 ? [{ type: "thinking" as const, text: thinking.join("") }] : []),
      ...(text.length > 0 ? [{ type: "text" as const, text: text.join("") }] : []),
      ...calls.map((call) => ({ type: "tool-call" as const, ...call, id: call.id ?? this.nextId() })),
    ];
    const stopReason: StopReason = step.stopReason ?? (calls.length > 0 ? "tool_use" : "end_turn");
    const usage: Usage = { ...derivedUsage(request, content), ...step.usage };
    return { content, stopReason, usage, target: "scripted", ...(ttftMs === undefined ? {} : { ttftMs }) };
  }

  /**
   * The waits of one call, on a schedule like a remote model's: each step is due a fixed time after
   * the previous one was due, not after it was delivered, so a consumer that falls behind gets the
   * overdue fragments at once (as from a socket buffer) instead of slowing the model down. One abort
   * listener serves the whole call.
   */
  private waitsFor(request: ModelRequest, signal: AbortSignal): { until(afterMs: number): Promise<void> | undefined; dispose(): void } {
    const clock = this.clock;
    let due = clock.now();
    let pending: ((error: LlmError) => void) | undefined;
    const onAbort = (): void => pending?.(this.abortError(request, signal));
    signal.addEventListener("abort", onAbort, { once: true });
    // The caller checks for an abort after every wait; rejecting a wait that already ended is a no-op.
    const wait = (ms: number): Promise<void> =>
      new Promise<void>((resolve, reject) => {
        pending = reject;
        wakeAfter(clock, ms, signal, resolve, reject);
      });
    return {
      /** Undefined when the step is already due. */
      until: (afterMs) => {
        this.throwIfAborted(request, signal);
        due += Math.max(0, afterMs);
        const ms = due - clock.now();
        return ms <= 0 ? undefined : wait(ms);
      },
      dispose: () => signal.removeEventListener("abort", onAbort),
    };
  }

  private throwIfAborted(request: ModelRequest, signal: AbortSignal): void {
    if (signal.aborted) throw this.abortError(request, signal);
  }

  private abortError(request: ModelRequest, signal: AbortSignal): LlmError {
    return new LlmError("aborted", `scripted model: call aborted (${describeRequest(request)})`, {
      cause: signal.reason,
    });
  }
}

const derivedUsage = (request: ModelRequest, content: readonly ContentBlock[]): Usage => {
  const output = content
    .map((block) => {
      if (block.type === "text" || block.type === "thinking") return block.text;
      if (block.type === "tool-call") return `${block.name} ${JSON.stringify(block.input)}`;
      return "";
    })
    .join("");
  return { input: tokensOfLength(requestTextLength(request)), output: estimateTokens(output), cacheRead: 0, cacheWrite: 0 };
};

export const scriptedModel = (script: Script, options?: ScriptedModelOptions): ScriptedModel => new ScriptedModel(script, options);
