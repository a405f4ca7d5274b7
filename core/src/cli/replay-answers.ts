/**
 * The human's answers a replayed session recorded: `escapement run --replay <session>` gives them
 * back prompt by prompt, as it gives back the model's answers from the cassette, so a session
 * with prompts (a simulated one, or one a person answered) replays to the same end unattended.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { recordedAnswers, type PromptAnswer, type RecordedPromptRow } from "../human/index.js";
import { readTranscript } from "../runtime/index.js";

/** `target`: the session directory, or its cassette file. No transcript there: no answers. */
export async function replayAnswers(target: string): Promise<Map<string, PromptAnswer[]>> {
  const dir = existsSync(join(target, "transcript.jsonl")) ? target : dirname(target);
  const path = join(dir, "transcript.jsonl");
  if (!existsSync(path)) return new Map();
  const rows: RecordedPromptRow[] = [];
  for await (const row of readTranscript(path)) if (row.event.startsWith("human-input/")) rows.push(row);
  return recordedAnswers(rows);
}
