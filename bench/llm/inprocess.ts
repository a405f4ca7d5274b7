/**
 * The model layer's own cost, without a network or an SDK: the same router configuration as the
 * end-to-end bench over an in-process target client that streams its reply at once. Measures CPU
 * per call of (a) the target client alone, (b) the router over it, (c) the router plus the
 * transcript rows a conversation writes.
 */
import type { CallOptions, ModelRequest, ModelResponse, TargetClient } from "../../core/src/llm/protocol.js";
import { createCatalog } from "../../core/src/llm/catalog/index.js";
import { turnEventData } from "../../core/src/llm/model-layer-event.js";
import { createModelRouter } from "../../core/src/llm/router/index.js";
import type { ModelTarget } from "../../core/src/llm/target.js";
import { systemClock } from "../../core/src/runtime/clock.js";
import { TranscriptWriter } from "../../core/src/runtime/transcript-writer.js";

export interface InProcessResult {
  name: string;
  usPerCall: number;
}

function instantClient(target: ModelTarget, deltas: string[]): TargetClient {
  const text = deltas.join("");
  return {
    target,
    async call(_request: ModelRequest, options: CallOptions): Promise<ModelResponse> {
      options.onFirstToken?.(0);
      for (const delta of deltas) {
        // One microtask per fragment, as a parsed SSE stream hands them over.
        await Promise.resolve();
        options.onDelta?.({ kind: "text", text: delta });
      }
      return {
        content: [{ type: "text", text }],
        stopReason: "end_turn",
        usage: { input: 60, output: 150, cacheRead: 0, cacheWrite: 0 },
        target: `${target.provider}:${target.model}`,
        ttftMs: 0,
      };
    },
  };
}

export async function measureInProcess(options: { chars: number; calls: number; concurrency: number; transcriptPath: string }): Promise<InProcessResult[]> {
  const text = "the quick brown fox jumps over the lazy dog ".repeat(Math.ceil(options.chars / 44)).slice(0, options.chars);
  const deltas = text.match(/.{1,8}/gs) ?? [];
  const primary = { provider: "anthropic", model: "claude-sonnet-4-5" };
  const backup = { provider: "anthropic", model: "claude-haiku-4-5" };
  const clients = new Map([primary, backup].map((target) => [target.model, instantClient(target, deltas)]));
  const router = createModelRouter({
    aliases: { default: [primary, backup] },
    connect: (target) => clients.get(target.model)!,
    catalog: createCatalog({
      providers: [{ name: "anthropic", kind: "anthropic" }],
      overlay: { "anthropic:claude-sonnet-4-5": { contextWindow: 200_000, pricing: { input: 3, output: 15 } } },
    }),
    needs: { contextWindow: [">=", 100_000] },
    resilience: { latency: { firstTokenMs: 30_000 } },
  });
  const transcript = new TranscriptWriter(options.transcriptPath, { clock: systemClock });
  const request = (index: number): ModelRequest => ({
    model: "default",
    system: "You are a terse assistant.",
    messages: [{ role: "user", content: [{ type: "text", text: "Tell me about foxes." }] }],
    tools: [],
    params: {},
    stream: true,
    origin: { invokeId: `c${index}`, stateId: "bench", turn: 1 },
  });
  const noop = (): void => {};
  const signal = new AbortController().signal;
  const variants: { name: string; call: (index: number) => Promise<unknown> }[] = [
    { name: "target client alone", call: (i) => clients.get("claude-sonnet-4-5")!.call(request(i), { signal, onDelta: noop }) },
    { name: "router", call: (i) => router.call(request(i), { signal, onDelta: noop, onEvent: noop }) },
    {
      name: "router + transcript rows",
      call: async (i) => {
        const invokeId = `c${i}`;
        transcript.append("llm/request", {
          invokeId,
          stateId: "bench",
          turn: 1,
          model: "default",
          messageCount: 1,
          tools: [],
          ref: "io/x.json",
          snippet: "Tell me",
        });
        const response = await router.call(request(i), {
          signal,
          onDelta: (delta) => transcript.append("llm/delta", { invokeId, turn: 1, kind: delta.kind, text: delta.text }),
          onEvent: (event, data) => transcript.append(event, turnEventData(data, invokeId, 1)),
        });
        transcript.append("llm/response", {
          invokeId,
          stateId: "bench",
          turn: 1,
          target: response.target,
          stopReason: response.stopReason,
          usage: response.usage,
          elapsedMs: 1,
          ...(response.costUsd === undefined ? {} : { costUsd: response.costUsd }),
          ...(response.contextUsed === undefined ? {} : { contextUsed: response.contextUsed }),
          ref: "io/y.json",
          snippet: "the quick",
        });
      },
    },
  ];
  const run = async (call: (index: number) => Promise<unknown>, calls: number): Promise<number> => {
    const cpu = process.cpuUsage();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < calls) await call(next++);
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    const used = process.cpuUsage(cpu);
    return (used.user + used.system) / calls;
  };
  for (const variant of variants) await run(variant.call, Math.min(2_000, options.calls));
  const results: InProcessResult[] = [];
  for (const variant of variants) {
    const samples: number[] = [];
    for (let round = 0; round < 5; round++) samples.push(await run(variant.call, options.calls));
    results.push({ name: variant.name, usPerCall: samples.sort((a, b) => a - b)[2]! });
  }
  transcript.close();
  return results;
}
