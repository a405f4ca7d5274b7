/** An MCP `tools/call` result as a tool result: its text content, other content summarized. */
import type { ToolResult } from "../tool.js";

/** The content blocks of MCP tool results (spec 2025-06-18), loosely: servers may send newer kinds. */
export interface McpContentBlock {
  type: string;
  text?: string;
  data?: string;
  mimeType?: string;
  uri?: string;
  name?: string;
  resource?: { uri?: string; mimeType?: string; text?: string; blob?: string };
}

export interface McpCallResult {
  content?: McpContentBlock[];
  structuredContent?: unknown;
  isError?: boolean;
}

/** Decoded size of base64 text. */
const base64Bytes = (data: string): number => {
  const padding = data.endsWith("==") ? 2 : data.endsWith("=") ? 1 : 0;
  return Math.max(0, Math.floor((data.length * 3) / 4) - padding);
};

const describeBlock = (block: McpContentBlock): string => {
  switch (block.type) {
    case "text":
      return block.text ?? "";
    case "image":
    case "audio":
      return `[${block.type}: ${block.mimeType ?? "unknown type"}, ${base64Bytes(block.data ?? "")} bytes]`;
    case "resource_link":
      return `[resource link: ${block.uri ?? "?"}${block.name ? ` (${block.name})` : ""}${block.mimeType ? `, ${block.mimeType}` : ""}]`;
    case "resource": {
      const resource = block.resource ?? {};
      if (typeof resource.text === "string") return `[resource ${resource.uri ?? "?"}]\n${resource.text}`;
      return `[resource: ${resource.uri ?? "?"}, ${resource.mimeType ?? "unknown type"}, ${base64Bytes(resource.blob ?? "")} bytes]`;
    }
    default:
      return `[${block.type} content]`;
  }
};

/** Keeps the head and the tail of a long output, saying how much was left out. */
export const capOutput = (text: string, maxChars: number): { text: string; omitted: number } => {
  if (text.length <= maxChars) return { text, omitted: 0 };
  const head = Math.ceil(maxChars / 2);
  const tail = Math.floor(maxChars / 2);
  const omitted = text.length - head - tail;
  return { text: `${text.slice(0, head)}\n[… ${omitted} characters omitted of ${text.length} …]\n${text.slice(text.length - tail)}`, omitted };
};

/**
 * Text blocks verbatim, other blocks as one-line summaries (`[image: image/png, 68 bytes]`),
 * joined by newlines; structured content as JSON when there is no content. `isError` as the server said.
 */
export const fromMcpResult = (result: McpCallResult, meta: Record<string, unknown>, maxChars: number): ToolResult => {
  const blocks = result.content ?? [];
  let text = blocks.map(describeBlock).join("\n");
  if (blocks.length === 0 && result.structuredContent !== undefined) text = JSON.stringify(result.structuredContent);
  if (blocks.length === 0 && result.structuredContent === undefined) text = "(no content)";
  const capped = capOutput(text, maxChars);
  const nonText = blocks.filter((block) => block.type !== "text").map((block) => block.type);
  return {
    output: capped.text,
    ...(result.isError ? { isError: true } : {}),
    meta: {
      ...meta,
      ...(nonText.length > 0 ? { nonText } : {}),
      ...(capped.omitted > 0 ? { truncated: true, omittedChars: capped.omitted } : {}),
    },
  };
};
