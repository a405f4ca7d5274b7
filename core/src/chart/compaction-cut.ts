import type { ContentBlock, ModelMessage } from "../llm/protocol.js";

/**
 * Where a compaction cuts a conversation's history, and the history it leaves. Pure.
 *
 * The history keeps its first user message (the task) and its last `keepLast` messages or a few
 * more: the kept part starts at an assistant message, so a tool call is never separated from its
 * result (they sit in an assistant message and the user message after it) and the roles still
 * alternate. Everything between is replaced by the summary, which joins the task's message as a
 * text block of its own (marked by `summaryHeading`, so the next compaction replaces it).
 */

/** Starts the text block that holds a summary. */
export const summaryHeading = "[summary of the earlier conversation]\n";

export type CompactionCut =
  /** `start`: the index of the first kept message; `messages[0..start)` are summarised (the task stays too). */
  { ok: true; start: number; task: ModelMessage | undefined } | { ok: false; reason: string };

const isSummaryBlock = (block: ContentBlock): boolean => block.type === "text" && block.text.startsWith(summaryHeading);

/** The task: a first message from the user that answers no tool call. */
const taskOf = (messages: readonly ModelMessage[]): ModelMessage | undefined => {
  const first = messages[0];
  return first?.role === "user" && first.content.every((block) => block.type !== "tool-result") ? first : undefined;
};

/** Where to cut `messages` keeping at least the last `keepLast`, or why nothing can be summarised. */
export function compactionCut(messages: readonly ModelMessage[], keepLast: number): CompactionCut {
  if (messages.length <= keepLast) return { ok: false, reason: `keepLast ${keepLast} keeps the whole history (${messages.length} messages)` };
  let start = messages.length - keepLast;
  while (start > 0 && messages[start]!.role !== "assistant") start -= 1;
  const task = taskOf(messages);
  if (start <= (task ? 1 : 0)) {
    return { ok: false, reason: `nothing before the last ${keepLast} messages to summarise (the kept part must start at a reply of the model)` };
  }
  return { ok: true, start, task };
}

/** Adds `text` to the end of a history as the user's: into its last message when that is the user's (tool results). */
const withUserText = (messages: readonly ModelMessage[], text: string): ModelMessage[] => {
  const last = messages[messages.length - 1];
  const block: ContentBlock = { type: "text", text };
  if (last?.role === "user") return [...messages.slice(0, -1), { role: "user", content: [...last.content, block] }];
  return [...messages, { role: "user", content: [block] }];
};

/** The messages the summary call gets: the part to summarise (the task and any earlier summary included), then the instruction. */
export const summaryRequestMessages = (messages: readonly ModelMessage[], start: number, prompt: string): ModelMessage[] =>
  withUserText(messages.slice(0, start), prompt);

/** The history after the compaction: the task (its earlier summary replaced) with the summary, then the kept messages. */
export function compactedHistory(messages: readonly ModelMessage[], cut: { start: number; task: ModelMessage | undefined }, summary: string): ModelMessage[] {
  const block: ContentBlock = { type: "text", text: `${summaryHeading}${summary.trim()}` };
  const head: ModelMessage = { role: "user", content: [...(cut.task?.content.filter((item) => !isSummaryBlock(item)) ?? []), block] };
  return [head, ...messages.slice(cut.start)];
}
