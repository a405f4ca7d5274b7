/**
 * Test doubles for the model router: simulated time (no real timers) and scripted target clients.
 */
import { validateEventData } from "@escapement/wire-schema";
import { expect } from "vitest";
import { LlmError, type LlmErrorCategory } from "../../../src/llm/llm-error.js";
import type { CallOptions, ContentBlock, ModelDelta, ModelRequest, ModelResponse, StopReason, TargetClient, Usage } from "../../../src/llm/protocol.js";
import { targetId, type ModelTarget } from "../../../src/llm/target.js";

interface Timer {
  at: number;
  resolve: () => void;
}

/**
 * Simulated time. `sleep` registers a timer; `run(promise)` drives the promise to completion,
 * moving time to the next timer each time everything else is idle. No real waiting happens.
 */
export function simTime(start = 0) {
  let now = start;
  const timers: Timer[] = [];
  const sleeps: number[] = [];
  const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise<void>((resolve) => {
      sleeps.push(ms);
      if (signal?.aborted) return resolve();
      const timer: Timer = { at: now + ms, resolve };
      timers.push(timer);
      signal?.addEventListener(
        "abort",
        () => {
          const index = timers.indexOf(timer);
          if (index >= 0) timers.splice(index, 1);
          resolve();
        },
        { once: true },
      );
    });
  async function run<T>(promise: Promise<T>): Promise<T> {
    let done = false;
    promise.then(
      () => (done = true),
      () => (done = true),
    );
    for (let steps = 0; !done; steps++) {
      if (steps > 100_000) throw new Error("simTime: too many steps");
      await flush();
      if (done) break;
      if (timers.length === 0) {
        await flush();
        if (!done) throw new Error("simTime: deadlock, nothing is scheduled and the call has not settled");
        break;
      }
      timers.sort((a, b) => a.at - b.at);
      const next = timers.shift()!;
      now = Math.max(now, next.at);
      next.resolve();
    }
    return promise;
  }
  return {
    clock: { now: () => now },
    sleep,
    run,
    /** Every wait requested (router backoffs, caps and fake model delays). */
    sleeps,
    get now() {
      return now;
    },
  };
}

export type SimTime = ReturnType<typeof simTime>;

/** One scripted answer of a fake target. */
export type Behaviour =
  | {
      kind?: "reply";
      text?: string;
      /** Streamed fragments; default: `text` in one delta. */
      deltas?: (string | ModelDelta)[];
      thinking?: string;
      toolCalls?: { id: string; name: string; input: unknown }[];
      firstTokenMs?: number;
      gapMs?: number;
      stopReason?: StopReason;
      usage?: Partial<Usage>;
      /** Report the first token through onFirstToken only (a tool-call-only stream). */
      silentFirstToken?: boolean;
    }
  | {
      kind: "error";
      category: LlmErrorCategory;
      retryAfterMs?: number;
      afterMs?: number;
      /** Fragments streamed before failing. */
      deltas?: (string | ModelDelta)[];
    }
  | { kind: "hang" }
  | { kind: "throw"; error: unknown };

export interface FakeTarget extends TargetClient {
  readonly id: string;
  /** Requests received, in order. */
  readonly calls: ModelRequest[];
  /** The signal of each call, in order. */
  readonly signals: AbortSignal[];
}

const asDelta = (fragment: string | ModelDelta): ModelDelta => (typeof fragment === "string" ? { kind: "text", text: fragment } : fragment);

/** A target client answering from `behaviours` in order (the last one repeats). */
export function fakeTarget(target: ModelTarget | string, behaviours: Behaviour[], time: SimTime): FakeTarget {
  const resolved: ModelTarget = typeof target === "string" ? { provider: target.split(":")[0]!, model: target.split(":")[1] ?? "m" } : target;
  const id = targetId(resolved);
  const calls: ModelRequest[] = [];
  const signals: AbortSignal[] = [];
  const wait = async (ms: number | undefined, signal: AbortSignal): Promise<void> => {
    if (signal.aborted) throw new LlmError("aborted", `${id}: aborted`);
    if (ms !== undefined && ms > 0) await time.sleep(ms, signal);
    if (signal.aborted) throw new LlmError("aborted", `${id}: aborted`);
  };
  return {
    id,
    target: resolved,
    calls,
    signals,
    async call(request: ModelRequest, options: CallOptions): Promise<ModelResponse> {
      const index = calls.length;
      calls.push(structuredClone(request));
      signals.push(options.signal);
      const behaviour = behaviours[Math.min(index, behaviours.length - 1)]!;
      const started = time.now;
      if (behaviour.kind === "hang") {
        await new Promise<void>((_, reject) =>
          options.signal.addEventListener("abort", () => reject(new LlmError("aborted", `${id}: aborted`)), { once: true }),
        );
        throw new Error("unreachable");
      }
      if (behaviour.kind === "throw") throw behaviour.error;
      if (behaviour.kind === "error") {
        await wait(behaviour.afterMs, options.signal);
        for (const fragment of behaviour.deltas ?? []) options.onDelta?.(asDelta(fragment));
        throw new LlmError(behaviour.category, `${id}: ${behaviour.category}`, {
          ...(behaviour.retryAfterMs === undefined ? {} : { retryAfterMs: behaviour.retryAfterMs }),
        });
      }
      await wait(behaviour.firstTokenMs, options.signal);
      let ttftMs: number | undefined;
      const deltas = (behaviour.deltas ?? (behaviour.text === undefined ? [] : [behaviour.text])).map(asDelta);
      if (behaviour.silentFirstToken) {
        ttftMs = time.now - started;
        options.onFirstToken?.(ttftMs);
      }
      for (const [position, delta] of deltas.entries()) {
        if (position > 0) await wait(behaviour.gapMs, options.signal);
        if (request.stream) {
          if (ttftMs === undefined) {
            ttftMs = time.now - started;
            options.onFirstToken?.(ttftMs);
          }
          options.onDelta?.(delta);
        }
      }
      const text =
        behaviour.text ??
        deltas
          .filter((d) => d.kind === "text")
          .map((d) => d.text)
          .join("");
      const content: ContentBlock[] = [
        ...(behaviour.thinking === undefined ? [] : [{ type: "thinking" as const, text: behaviour.thinking }]),
        ...(text === "" ? [] : [{ type: "text" as const, text }]),
        ...(behaviour.toolCalls ?? []).map((call) => ({ type: "tool-call" as const, ...call })),
      ];
      return {
        content,
        stopReason: behaviour.stopReason ?? (behaviour.toolCalls?.length ? "tool_use" : "end_turn"),
        usage: { input: 10, output: 5, cacheRead: 0, cacheWrite: 0, ...behaviour.usage },
        target: id,
        ...(ttftMs === undefined ? {} : { ttftMs }),
      };
    },
  };
}

/** A `connect` over fake targets, counting connections. */
export function fakeConnect(targets: FakeTarget[]) {
  const connected: string[] = [];
  const connect = (target: ModelTarget): TargetClient => {
    const id = targetId(target);
    const found = targets.find((candidate) => candidate.id === id);
    if (!found) throw new Error(`no fake for ${id}`);
    connected.push(id);
    return found;
  };
  return { connect, connected };
}

export const T = (id: string): ModelTarget => {
  const [provider, model] = id.split(":");
  return { provider: provider!, model: model! };
};

export const request = (overrides: Partial<ModelRequest> = {}): ModelRequest => ({
  model: "main",
  messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }],
  tools: [],
  params: {},
  stream: true,
  origin: { invokeId: "c1", stateId: "s", turn: 1 },
  ...overrides,
});

export interface Recorder {
  deltas: ModelDelta[];
  events: { event: string; data: Record<string, unknown> }[];
  text(kind?: ModelDelta["kind"]): string;
  named(event: string): Record<string, unknown>[];
  options(signal?: AbortSignal): CallOptions;
}

/**
 * Collects deltas and model-layer events. Every event, with the `invokeId` the conversation adds,
 * must validate against the wire schema.
 */
export function recorder(): Recorder {
  const deltas: ModelDelta[] = [];
  const events: { event: string; data: Record<string, unknown> }[] = [];
  return {
    deltas,
    events,
    text: (kind = "text") =>
      deltas
        .filter((d) => d.kind === kind)
        .map((d) => d.text)
        .join(""),
    named: (event) => events.filter((e) => e.event === event).map((e) => e.data),
    options: (signal = new AbortController().signal) => ({
      signal,
      onDelta: (delta) => deltas.push(delta),
      onEvent: (event, data) => {
        const checked = validateEventData(event, { invokeId: "c1", ...data });
        expect(checked.ok, `${event} ${JSON.stringify(data)}: ${checked.ok ? "" : checked.error.message}`).toBe(true);
        events.push({ event, data });
      },
    }),
  };
}
