/**
 * The two ways the bench runs one streamed turn against the same local server:
 * - `direct`: the AI SDK's `streamText` on an Anthropic model, as an application would call it.
 * - `layer`: Escapement's model layer: the router (alias resolution, needs gate, resilience with a
 *   first-token cap, metrics from the catalog) over the real Anthropic target client, with the
 *   conversation's transcript rows (llm/request, every llm/delta, model-layer rows, llm/response)
 *   written by a real TranscriptWriter to a file.
 */
import { createAnthropic } from "@ai-sdk/anthropic";
import { streamText } from "ai";
import { createCatalog } from "../../core/src/llm/catalog/index.js";
import { turnEventData } from "../../core/src/llm/model-layer-event.js";
import type { ModelRequest } from "../../core/src/llm/protocol.js";
import { createTargetClient } from "../../core/src/llm/providers/index.js";
import { createModelRouter, type ModelRouter } from "../../core/src/llm/router/index.js";
import { systemClock } from "../../core/src/runtime/clock.js";
import { TranscriptWriter } from "../../core/src/runtime/transcript-writer.js";

// Neither mode may print: an AI SDK warning on stdout would be measured as overhead.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

export const SYSTEM = "You are a terse assistant.";
export const PROMPT = "Tell me about foxes.";
const MODEL_ID = "claude-sonnet-4-5";

export interface TurnResult {
  ms: number;
  chars: number;
}

export type Turn = (index: number) => Promise<TurnResult>;

export function directTurn(url: string): Turn {
  const model = createAnthropic({ baseURL: `${url}/v1`, apiKey: "sk-bench" }).messages(MODEL_ID);
  return async () => {
    const started = performance.now();
    const result = streamText({
      model,
      system: SYSTEM,
      messages: [{ role: "user", content: PROMPT }],
      maxRetries: 0,
      abortSignal: new AbortController().signal,
    });
    let text = "";
    for await (const part of result.fullStream) {
      if (part.type === "text-delta") text += part.text;
      else if (part.type === "error") throw part.error;
    }
    await result.usage;
    return { ms: performance.now() - started, chars: text.length };
  };
}

export interface Layer {
  turn: Turn;
  router: ModelRouter;
  transcript: TranscriptWriter;
}

export function layerTurn(url: string, transcriptPath: string): Layer {
  const provider = { name: "anthropic", kind: "anthropic" as const, baseURL: `${url}/v1`, apiKey: "sk-bench" };
  const primary = { provider: "anthropic", model: MODEL_ID };
  const backup = { provider: "anthropic", model: "claude-haiku-4-5" };
  const catalog = createCatalog({
    providers: [{ name: "anthropic", kind: "anthropic" }],
    overlay: { [`anthropic:${MODEL_ID}`]: { contextWindow: 200_000, pricing: { input: 3, output: 15 } } },
  });
  const router = createModelRouter({
    aliases: { default: [primary, backup] },
    connect: (target) => createTargetClient(target, provider),
    catalog,
    needs: { contextWindow: [">=", 100_000] },
    // Two targets and a first-token cap, so every turn runs the whole race (cap timer, abort wiring).
    resilience: { latency: { firstTokenMs: 30_000 } },
  });
  const transcript = new TranscriptWriter(transcriptPath, { clock: systemClock });
  const turn: Turn = async (index) => {
    const started = performance.now();
    const invokeId = `c${index}`;
    const request: ModelRequest = {
      model: "default",
      system: SYSTEM,
      messages: [{ role: "user", content: [{ type: "text", text: PROMPT }] }],
      tools: [],
      params: {},
      stream: true,
      origin: { invokeId, stateId: "bench", turn: 1 },
    };
    transcript.append("llm/request", {
      invokeId,
      stateId: "bench",
      turn: 1,
      model: request.model,
      messageCount: 1,
      tools: [],
      ref: `io/${invokeId}-t1-request.json`,
      snippet: PROMPT,
    });
    const signal = new AbortController().signal;
    const response = await router.call(request, {
      signal,
      onDelta: (delta) => transcript.append("llm/delta", { invokeId, turn: 1, kind: delta.kind, text: delta.text }),
      onEvent: (event, data) => transcript.append(event, turnEventData(data, invokeId, 1)),
    });
    let text = "";
    for (const block of response.content) if (block.type === "text") text += block.text;
    const elapsedMs = performance.now() - started;
    transcript.append("llm/response", {
      invokeId,
      stateId: "bench",
      turn: 1,
      target: response.target,
      stopReason: response.stopReason,
      usage: response.usage,
      elapsedMs,
      ...(response.ttftMs === undefined ? {} : { ttftMs: Math.round(response.ttftMs) }),
      ...(response.costUsd === undefined ? {} : { costUsd: response.costUsd }),
      ...(response.contextUsed === undefined ? {} : { contextUsed: response.contextUsed }),
      ref: `io/${invokeId}-t1-response.json`,
      snippet: text.slice(0, 80),
    });
    return { ms: performance.now() - started, chars: text.length };
  };
  return { turn, router, transcript };
}
