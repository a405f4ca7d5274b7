import { canonicalJson } from "../llm/cassette/index.js";
import type { ContentBlock, ModelMessage } from "../llm/protocol.js";

type ToolCall = Extract<ContentBlock, { type: "tool-call" }>;

/** The identity of a tool call: its tool and its canonical arguments. */
export const toolCallKey = (call: { name: string; input: unknown }): string => `${call.name}\u0000${canonicalJson(call.input ?? {})}`;

/** A call repeated often enough to be a loop. */
export interface ToolLoop {
  toolCallId: string;
  name: string;
  /** How many times this conversation has made this call, this one included. */
  count: number;
}

/**
 * The calls of this step that make the same call (tool and arguments) `threshold` times in the
 * conversation, counting the tool calls already in its history; again at every further `threshold`
 * repeats, so a chart that lets the loop go on hears of it again.
 */
export function toolLoopsOf(history: readonly ModelMessage[], calls: readonly ToolCall[], threshold: number): ToolLoop[] {
  const counts = new Map<string, number>();
  for (const message of history) {
    if (message.role !== "assistant") continue;
    for (const block of message.content) if (block.type === "tool-call") counts.set(toolCallKey(block), (counts.get(toolCallKey(block)) ?? 0) + 1);
  }
  const loops: ToolLoop[] = [];
  for (const call of calls) {
    const key = toolCallKey(call);
    const count = (counts.get(key) ?? 0) + 1;
    counts.set(key, count);
    if (count % threshold === 0) loops.push({ toolCallId: call.id, name: call.name, count });
  }
  return loops;
}
