/**
 * An AI SDK model's answer as the model protocol's `ModelResponse` (what a cassette line stores),
 * and back: the generate result and the stream parts a replay hands the AI SDK. Pure.
 */
import type {
  LanguageModelV3Content,
  LanguageModelV3FinishReason,
  LanguageModelV3GenerateResult,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
} from "@ai-sdk/provider";
import type { StreamFragment } from "../cassette/cassette-entry.js";
import type { ContentBlock, ModelResponse, StopReason, Usage } from "../protocol.js";

export function responseOf(
  content: readonly LanguageModelV3Content[],
  finishReason: LanguageModelV3FinishReason,
  usage: LanguageModelV3Usage,
  target: string,
): ModelResponse {
  const blocks: ContentBlock[] = [];
  for (const part of content) {
    if (part.type === "text") blocks.push({ type: "text", text: part.text });
    else if (part.type === "reasoning") blocks.push({ type: "thinking", text: part.text });
    // Provider-executed calls (a provider's own web search) are answered inside the call: not ours to replay as a request.
    else if (part.type === "tool-call" && !part.providerExecuted)
      blocks.push({ type: "tool-call", id: part.toolCallId, name: part.toolName, input: parsedInput(part.input) });
  }
  return { content: blocks, stopReason: stopReasonOf(finishReason, blocks), usage: usageOf(usage), target };
}

/** A tool call's input is JSON text in the AI SDK and a value in a cassette; text that is not JSON stays text. */
function parsedInput(input: string): unknown {
  try {
    return JSON.parse(input);
  } catch {
    return input;
  }
}

const inputText = (input: unknown): string => (typeof input === "string" ? input : JSON.stringify(input));

function stopReasonOf(finishReason: LanguageModelV3FinishReason, blocks: readonly ContentBlock[]): StopReason {
  if (finishReason.unified === "length") return "max_tokens";
  if (finishReason.unified === "tool-calls" || blocks.some((block) => block.type === "tool-call")) return "tool_use";
  if (finishReason.raw === "stop_sequence") return "stop_sequence";
  return "end_turn";
}

const finishReasons: Record<StopReason, LanguageModelV3FinishReason> = {
  end_turn: { unified: "stop", raw: "end_turn" },
  tool_use: { unified: "tool-calls", raw: "tool_use" },
  max_tokens: { unified: "length", raw: "max_tokens" },
  stop_sequence: { unified: "stop", raw: "stop_sequence" },
};

/** Ours counts uncached prompt tokens as `input` (see providers/response.ts). */
function usageOf(usage: LanguageModelV3Usage): Usage {
  const cacheRead = usage.inputTokens.cacheRead ?? 0;
  const cacheWrite = usage.inputTokens.cacheWrite ?? 0;
  const input = usage.inputTokens.noCache ?? Math.max(0, (usage.inputTokens.total ?? 0) - cacheRead - cacheWrite);
  return { input, output: usage.outputTokens.total ?? 0, cacheRead, cacheWrite };
}

function sdkUsageOf(usage: Usage): LanguageModelV3Usage {
  return {
    inputTokens: { total: usage.input + usage.cacheRead + usage.cacheWrite, noCache: usage.input, cacheRead: usage.cacheRead, cacheWrite: usage.cacheWrite },
    outputTokens: { total: usage.output, text: undefined, reasoning: undefined },
  };
}

/** What `doGenerate` returns for a recorded answer. */
export function generateResultOf(response: ModelResponse): LanguageModelV3GenerateResult {
  const content: LanguageModelV3Content[] = [];
  for (const block of response.content) {
    if (block.type === "text") content.push({ type: "text", text: block.text });
    else if (block.type === "thinking") content.push({ type: "reasoning", text: block.text });
    else if (block.type === "tool-call") content.push({ type: "tool-call", toolCallId: block.id, toolName: block.name, input: inputText(block.input) });
  }
  return { content, finishReason: finishReasons[response.stopReason], usage: sdkUsageOf(response.usage), warnings: [] };
}

/** A stream part with the offset (ms from the call's start) it is due at. */
export interface TimedPart {
  atMs: number;
  part: LanguageModelV3StreamPart;
}

/**
 * The stream parts of a recorded call: its text and thinking fragments at their recorded offsets,
 * in blocks (a block ends where the kind changes), then its tool calls and the finish when the call
 * ended (`elapsedMs`). A response recorded without a stream (a generate call) streams its text whole.
 */
export function streamPartsOf(response: ModelResponse, stream: readonly StreamFragment[], elapsedMs: number): TimedPart[] {
  const fragments: readonly StreamFragment[] =
    stream.length > 0
      ? stream
      : response.content.flatMap((block): StreamFragment[] =>
          block.type === "text" || block.type === "thinking" ? [{ atMs: 0, kind: block.type, text: block.text }] : [],
        );
  const parts: TimedPart[] = [{ atMs: 0, part: { type: "stream-start", warnings: [] } }];
  let open: { id: string; kind: StreamFragment["kind"] } | undefined;
  let blocks = 0;
  const close = (atMs: number): void => {
    if (open) parts.push({ atMs, part: { type: open.kind === "text" ? "text-end" : "reasoning-end", id: open.id } });
    open = undefined;
  };
  for (const fragment of fragments) {
    if (open?.kind !== fragment.kind) {
      close(fragment.atMs);
      open = { id: String(blocks++), kind: fragment.kind };
      parts.push({ atMs: fragment.atMs, part: { type: fragment.kind === "text" ? "text-start" : "reasoning-start", id: open.id } });
    }
    parts.push({ atMs: fragment.atMs, part: { type: fragment.kind === "text" ? "text-delta" : "reasoning-delta", id: open.id, delta: fragment.text } });
  }
  close(fragments.at(-1)?.atMs ?? 0);
  for (const block of response.content) {
    if (block.type !== "tool-call") continue;
    const input = inputText(block.input);
    parts.push(
      { atMs: elapsedMs, part: { type: "tool-input-start", id: block.id, toolName: block.name } },
      { atMs: elapsedMs, part: { type: "tool-input-delta", id: block.id, delta: input } },
      { atMs: elapsedMs, part: { type: "tool-input-end", id: block.id } },
      { atMs: elapsedMs, part: { type: "tool-call", toolCallId: block.id, toolName: block.name, input } },
    );
  }
  parts.push({ atMs: elapsedMs, part: { type: "finish", usage: sdkUsageOf(response.usage), finishReason: finishReasons[response.stopReason] } });
  return parts;
}
