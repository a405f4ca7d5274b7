/**
 * An AI SDK model call (`LanguageModelV3CallOptions`) as the model protocol's request, so a call
 * made through `wrapLanguageModel` is keyed, stored and diffed exactly as a run's call is (same
 * `normalizeRequest`, same cassette line). Pure: no I/O, no clock.
 */
import type { LanguageModelV3CallOptions, LanguageModelV3Message, LanguageModelV3ToolResultOutput } from "@ai-sdk/provider";
import type { GenerationParams } from "../generation-params.js";
import type { ContentBlock, ModelMessage, ModelRequest, RequestOrigin, ToolSpec } from "../protocol.js";

/**
 * The settings of an AI SDK call that decide its answer, beyond the protocol's own
 * (`GenerationParams`): `generateObject` asks for JSON through `responseFormat`, tool use is steered
 * by `toolChoice`. Headers are left out: they carry credentials, never the answer.
 */
export type AiSdkParams = GenerationParams & {
  topK?: number;
  stopSequences?: string[];
  presencePenalty?: number;
  frequencyPenalty?: number;
  seed?: number;
  responseFormat?: LanguageModelV3CallOptions["responseFormat"];
  toolChoice?: LanguageModelV3CallOptions["toolChoice"];
  providerOptions?: LanguageModelV3CallOptions["providerOptions"];
};

export function requestOfCall(options: LanguageModelV3CallOptions, model: string, origin: RequestOrigin): ModelRequest {
  const systems: string[] = [];
  const messages: ModelMessage[] = [];
  for (const message of options.prompt) {
    if (message.role === "system") systems.push(message.content);
    else messages.push({ role: message.role === "assistant" ? "assistant" : "user", content: blocksOf(message) });
  }
  const params: AiSdkParams = {
    ...defined("temperature", options.temperature),
    ...defined("topP", options.topP),
    ...defined("maxTokens", options.maxOutputTokens),
    ...defined("topK", options.topK),
    ...defined("stopSequences", options.stopSequences),
    ...defined("presencePenalty", options.presencePenalty),
    ...defined("frequencyPenalty", options.frequencyPenalty),
    ...defined("seed", options.seed),
    ...defined("responseFormat", options.responseFormat),
    ...defined("toolChoice", options.toolChoice),
    ...defined("providerOptions", options.providerOptions),
  };
  return {
    model,
    ...(systems.length === 0 ? {} : { system: systems.join("\n\n") }),
    messages,
    tools: (options.tools ?? []).map(toolSpecOf),
    params,
    stream: false,
    origin,
  };
}

const defined = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } => (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };

function toolSpecOf(tool: NonNullable<LanguageModelV3CallOptions["tools"]>[number]): ToolSpec {
  // A provider tool (web search, ...) has no schema of ours: its id and arguments stand in for it.
  if (tool.type === "provider") return { name: tool.name, description: `provider tool ${tool.id}`, inputSchema: { args: tool.args } };
  return { name: tool.name, description: tool.description ?? "", inputSchema: tool.inputSchema as Record<string, unknown> };
}

function blocksOf(message: Exclude<LanguageModelV3Message, { role: "system" }>): ContentBlock[] {
  const blocks: ContentBlock[] = [];
  for (const part of message.content) {
    switch (part.type) {
      case "text":
        blocks.push({ type: "text", text: part.text });
        break;
      case "reasoning":
        blocks.push({ type: "thinking", text: part.text });
        break;
      case "file":
        blocks.push({ type: "image", source: fileSource(part.data, part.mediaType) });
        break;
      case "tool-call":
        blocks.push({ type: "tool-call", id: part.toolCallId, name: part.toolName, input: part.input });
        break;
      case "tool-result":
        blocks.push({ type: "tool-result", toolCallId: part.toolCallId, name: part.toolName, ...outputOf(part.output) });
        break;
      case "tool-approval-response":
        blocks.push({
          type: "text",
          text: `tool approval ${part.approvalId}: ${part.approved ? "approved" : "denied"}${part.reason ? ` (${part.reason})` : ""}`,
        });
        break;
    }
  }
  return blocks;
}

function fileSource(data: Uint8Array | string | URL, mediaType: string): Extract<ContentBlock, { type: "image" }>["source"] {
  if (data instanceof URL) return { kind: "url", url: data.href };
  if (typeof data === "string") return { kind: "base64", mediaType, data };
  return { kind: "base64", mediaType, data: Buffer.from(data).toString("base64") };
}

function outputOf(output: LanguageModelV3ToolResultOutput): { output: string; isError?: boolean } {
  switch (output.type) {
    case "text":
      return { output: output.value };
    case "error-text":
      return { output: output.value, isError: true };
    case "error-json":
      return { output: JSON.stringify(output.value), isError: true };
    case "json":
    case "content":
      return { output: JSON.stringify(output.value) };
    case "execution-denied":
      return { output: `execution denied${output.reason ? `: ${output.reason}` : ""}`, isError: true };
  }
}
