/**
 * The prompts of a session waiting for an answer, read from its transcript: each
 * `human-input/requested` (not a progress prompt) that no `human-input/answered` or
 * `human-input/cancelled` of the same prompt followed. A resumed run asks an open prompt again
 * (a second `requested` row): the prompt is still one.
 */
import type { TranscriptRow } from "../runtime/transcript-row.js";
import type { PromptRequest } from "./human-renderer.js";

export async function pendingPrompts(rows: AsyncIterable<TranscriptRow> | Iterable<TranscriptRow>): Promise<PromptRequest[]> {
  const open = new Map<string, PromptRequest>();
  for await (const row of rows) {
    const data = row.data as { promptId?: unknown } | undefined;
    const promptId = typeof data?.promptId === "string" ? data.promptId : undefined;
    if (promptId === undefined) continue;
    if (row.event === "human-input/requested") {
      const request = row.data as PromptRequest;
      if (request.kind !== "progress") open.set(promptId, request);
    } else if (row.event === "human-input/answered" || row.event === "human-input/cancelled") {
      open.delete(promptId);
    }
  }
  return [...open.values()];
}

/** How many answers (or cancels) of each prompt the transcript holds. */
export async function answersTaken(rows: AsyncIterable<TranscriptRow> | Iterable<TranscriptRow>): Promise<Map<string, number>> {
  const taken = new Map<string, number>();
  for await (const row of rows) {
    if (row.event !== "human-input/answered" && row.event !== "human-input/cancelled") continue;
    const promptId = (row.data as { promptId?: unknown } | undefined)?.promptId;
    if (typeof promptId === "string") taken.set(promptId, (taken.get(promptId) ?? 0) + 1);
  }
  return taken;
}
