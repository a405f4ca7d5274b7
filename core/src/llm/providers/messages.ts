/**
 * Our protocol -> AI SDK prompt (system, messages, tools). Pure: no I/O, no clock.
 */
import {
  jsonSchema,
  tool,
  type AssistantContent,
  type ImagePart,
  type JSONSchema7,
  type ModelMessage,
  type SystemModelMessage,
  type TextPart,
  type ToolResultPart,
  type ToolSet,
} from "ai";
import { LlmError } from "../llm-error.js";
import type { ContentBlock, ModelMessage as OurMessage, ModelRequest, ToolSpec } from "../protocol.js";
import { anthropicCacheControl, type CacheBreakpoints } from "./caching.js";

export interface AiSdkPrompt {
  system: SystemModelMessage | undefined;
  messages: ModelMessage[];
  tools: ToolSet | undefined;
}

/**
 * Maps a request to what `streamText` / `generateText` take. With `cache` (Anthropic targets
 * only), marks the enabled breakpoints with `cache_control: ephemeral`:
 * - `tools`: the last tool (caches every tool spec),
 * - `system`: the system prompt (caches tools + system),
 * - `messages`: the newest message (writes the whole history) and the message the previous
 *   request ended with, i.e. the last one before the newest assistant turn (reads what the
 *   previous call wrote even when a turn adds more than Anthropic's 20-block lookback).
 * That is at most 4 breakpoints, Anthropic's limit.
 */
export function toAiSdkPrompt(request: Pick<ModelRequest, "system" | "messages" | "tools">, cache?: CacheBreakpoints): AiSdkPrompt {
  const system: SystemModelMessage | undefined =
    request.system === undefined || request.system === ""
      ? undefined
      : { role: "system", content: request.system, ...(cache?.system ? { providerOptions: anthropicCacheControl } : {}) };

  const messages = request.messages.flatMap((message, index) => convertMessage(message, index));
  if (cache?.messages && messages.length > 0) {
    markForCache(messages[messages.length - 1]!);
    const lastAssistant = messages.findLastIndex((message) => message.role === "assistant");
    if (lastAssistant > 0) markForCache(messages[lastAssistant - 1]!);
  }

  return { system, messages, tools: toToolSet(request.tools, cache?.tools ?? false) };
}

function markForCache(message: ModelMessage): void {
  message.providerOptions = { ...message.providerOptions, ...anthropicCacheControl };
}

function convertMessage(message: OurMessage, index: number): ModelMessage[] {
  if (message.role === "assistant") {
    const content: Exclude<AssistantContent, string> = [];
    for (const block of message.content) {
      const part = assistantPart(block);
      if (part !== undefined) content.push(part);
    }
    return content.length === 0 ? [] : [{ role: "assistant", content }];
  }

  // A user message: tool results go first, as the AI SDK's tool message; the rest follows as a user message.
  const results: ToolResultPart[] = [];
  const parts: Array<TextPart | ImagePart> = [];
  for (const block of message.content) {
    switch (block.type) {
      case "tool-result":
        results.push({
          type: "tool-result",
          toolCallId: block.toolCallId,
          toolName: block.name,
          output: block.isError ? { type: "error-text", value: block.output } : { type: "text", value: block.output },
        });
        break;
      case "text":
        if (block.text !== "") parts.push({ type: "text", text: block.text });
        break;
      case "image":
        parts.push(imagePart(block.source));
        break;
      case "thinking":
        break; // not meaningful in a user message; providers reject it
      case "tool-call":
        throw new LlmError("invalid-request", `message ${index} (user) contains a tool-call block; only assistant messages can`);
    }
  }
  const out: ModelMessage[] = [];
  if (results.length > 0) out.push({ role: "tool", content: results });
  if (parts.length > 0) out.push({ role: "user", content: parts });
  return out;
}

function assistantPart(block: ContentBlock): Exclude<AssistantContent, string>[number] | undefined {
  switch (block.type) {
    case "text":
      // Anthropic rejects empty text blocks.
      return block.text === "" ? undefined : { type: "text", text: block.text };
    case "thinking":
      return {
        type: "reasoning",
        text: block.text,
        // The signature lets Anthropic verify the thinking block when it comes back (required with tool
        // use); a redacted block goes back as its data.
        ...(block.signature !== undefined
          ? { providerOptions: { anthropic: { signature: block.signature } } }
          : block.redacted !== undefined
            ? { providerOptions: { anthropic: { redactedData: block.redacted } } }
            : {}),
      };
    case "tool-call":
      return { type: "tool-call", toolCallId: block.id, toolName: block.name, input: toolInput(block.input) };
    case "image":
    case "tool-result":
      return undefined; // not valid in an assistant message
  }
}

/**
 * A tool call's input goes back to the provider as an object. A model that produced malformed
 * arguments left a string in our history: it is parsed when it is JSON for an object, otherwise
 * sent as `{}` (Anthropic rejects a non-object `input`, which would wedge the conversation).
 */
function toolInput(input: unknown): unknown {
  if (input !== null && typeof input === "object" && !Array.isArray(input)) return input;
  if (typeof input === "string") {
    try {
      const parsed: unknown = JSON.parse(input);
      if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) return parsed;
    } catch {
      // fall through
    }
  }
  return {};
}

function imagePart(source: Extract<ContentBlock, { type: "image" }>["source"]): ImagePart {
  if (source.kind === "base64") return { type: "image", image: source.data, mediaType: source.mediaType };
  let url: URL;
  try {
    url = new URL(source.url);
  } catch (cause) {
    throw new LlmError("invalid-request", `image URL is not a valid URL: ${source.url.slice(0, 100)}`, { cause });
  }
  return { type: "image", image: url };
}

function toToolSet(specs: readonly ToolSpec[], cacheLast: boolean): ToolSet | undefined {
  if (specs.length === 0) return undefined;
  const tools: ToolSet = {};
  for (const spec of specs) {
    tools[spec.name] = tool({
      description: spec.description,
      inputSchema: jsonSchema(spec.inputSchema as JSONSchema7),
    });
  }
  if (cacheLast) {
    // The AI SDK sends tools in key order, which can differ from ours for integer-like names.
    const last = Object.keys(tools).at(-1)!;
    tools[last] = { ...tools[last]!, providerOptions: anthropicCacheControl };
  }
  return tools;
}
