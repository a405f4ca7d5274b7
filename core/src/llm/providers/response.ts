/**
 * AI SDK results -> our protocol: content blocks, stop reason, usage. Pure.
 */
import type { FinishReason, LanguageModelUsage, ProviderMetadata } from "ai";
import type { ContentBlock, StopReason, Usage } from "../protocol.js";

/**
 * Our usage from the AI SDK's. `input` counts only uncached prompt tokens, so the prompt was
 * `input + cacheRead + cacheWrite` tokens and a cost is `input * in + cacheRead * read +
 * cacheWrite * write + output * out` (Anthropic's own accounting; for OpenAI-style providers,
 * whose `prompt_tokens` include cached ones, the cached part is subtracted).
 */
export function toUsage(usage: Partial<LanguageModelUsage> | undefined, providerMetadata?: ProviderMetadata): Usage {
  const details = usage?.inputTokenDetails;
  const anthropic = providerMetadata?.anthropic as { cacheCreationInputTokens?: unknown } | undefined;
  const cacheRead = count(details?.cacheReadTokens) ?? count(usage?.cachedInputTokens) ?? 0;
  const cacheWrite = count(details?.cacheWriteTokens) ?? count(anthropic?.cacheCreationInputTokens) ?? 0;
  const total = count(usage?.inputTokens);
  const input = count(details?.noCacheTokens) ?? (total === undefined ? 0 : Math.max(0, total - cacheRead - cacheWrite));
  return { input, output: count(usage?.outputTokens) ?? 0, cacheRead, cacheWrite };
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/**
 * Our stop reason. A reply with tool calls is `tool_use` unless it was cut off (`max_tokens`):
 * some OpenAI-compatible servers report `stop` beside tool calls.
 */
export function toStopReason(finishReason: FinishReason | undefined, rawFinishReason: string | undefined, hasToolCalls: boolean): StopReason {
  if (finishReason === "length") return "max_tokens";
  if (hasToolCalls || finishReason === "tool-calls") return "tool_use";
  if (rawFinishReason === "stop_sequence") return "stop_sequence";
  return "end_turn";
}

/** What Anthropic attaches to a thinking part: its signature, or the data of a redacted block. */
export interface ThinkingSeal {
  signature?: string;
  redacted?: string;
}

/** The signature or redacted data a reasoning part's provider metadata carries (Anthropic), if any. */
export function thinkingSealOf(metadata: ProviderMetadata | undefined): ThinkingSeal | undefined {
  const anthropic = metadata?.anthropic as { signature?: unknown; redactedData?: unknown } | undefined;
  const nonEmpty = (value: unknown): value is string => typeof value === "string" && value !== "";
  if (nonEmpty(anthropic?.signature)) return { signature: anthropic.signature };
  if (nonEmpty(anthropic?.redactedData)) return { redacted: anthropic.redactedData };
  return undefined;
}

type Slot =
  | { type: "text"; text: string }
  | ({ type: "thinking"; text: string } & ThinkingSeal)
  | { type: "tool-call"; id: string; name: string; input: unknown; done: boolean };

/**
 * Builds content blocks from stream parts in the order the blocks started. Parts are keyed by the
 * stream's ids; a tool call keeps the slot its `tool-input-start` opened, so a text block streamed
 * after a tool call's arguments still comes after it.
 */
export class ContentAssembler {
  readonly #slots: Slot[] = [];
  readonly #texts = new Map<string, Extract<Slot, { type: "text" }>>();
  readonly #thinking = new Map<string, Extract<Slot, { type: "thinking" }>>();
  readonly #calls = new Map<string, Extract<Slot, { type: "tool-call" }>>();

  text(id: string, text: string): void {
    let slot = this.#texts.get(id);
    if (slot === undefined) {
      slot = { type: "text", text: "" };
      this.#texts.set(id, slot);
      this.#slots.push(slot);
    }
    slot.text += text;
  }

  thinking(id: string, text: string, seal?: ThinkingSeal): void {
    let slot = this.#thinking.get(id);
    if (slot === undefined) {
      slot = { type: "thinking", text: "" };
      this.#thinking.set(id, slot);
      this.#slots.push(slot);
    }
    slot.text += text;
    if (seal?.signature !== undefined) slot.signature = seal.signature;
    if (seal?.redacted !== undefined) slot.redacted = seal.redacted;
  }

  toolInputStart(id: string, name: string): void {
    if (this.#calls.has(id)) return;
    const slot: Extract<Slot, { type: "tool-call" }> = { type: "tool-call", id, name, input: {}, done: false };
    this.#calls.set(id, slot);
    this.#slots.push(slot);
  }

  toolCall(id: string, name: string, input: unknown): void {
    const slot = this.#calls.get(id);
    if (slot === undefined) {
      const fresh: Extract<Slot, { type: "tool-call" }> = { type: "tool-call", id, name, input, done: true };
      this.#calls.set(id, fresh);
      this.#slots.push(fresh);
      return;
    }
    slot.name = name;
    slot.input = input;
    slot.done = true;
  }

  get hasToolCalls(): boolean {
    return this.#slots.some((slot) => slot.type === "tool-call" && slot.done);
  }

  /**
   * The finished blocks: empty text dropped, thinking kept when it has text, a signature or
   * redacted data, tool calls only when the SDK completed them (a call whose input never finished
   * is not a call).
   */
  blocks(): ContentBlock[] {
    const out: ContentBlock[] = [];
    for (const slot of this.#slots) {
      if (slot.type === "text") {
        if (slot.text !== "") out.push({ type: "text", text: slot.text });
      } else if (slot.type === "thinking") {
        if (slot.text !== "" || slot.signature !== undefined || slot.redacted !== undefined) {
          out.push({
            type: "thinking",
            text: slot.text,
            ...(slot.signature === undefined ? {} : { signature: slot.signature }),
            ...(slot.redacted === undefined ? {} : { redacted: slot.redacted }),
          });
        }
      } else if (slot.done) {
        out.push({ type: "tool-call", id: slot.id, name: slot.name, input: slot.input });
      }
    }
    return out;
  }
}
