import type { CompactionSettings } from "./compaction-settings.js";

/**
 * A conversation's compaction setting: when its older history is replaced by a summary. On by
 * default; `converse({ compaction: false })` turns the automatic compaction off (the chart's
 * `compact` action still compacts on demand).
 */
export const defaultCompaction: Readonly<CompactionSettings> = { at: 0.8, keepLast: 8 };

/** What the summary call is asked, after the history it summarises. */
export const defaultCompactionPrompt =
  "The conversation so far is about to be cut short: everything above this message will be replaced by your summary of it. " +
  "Write that summary now, for yourself to continue the task from. Keep what is still needed: the goal and its constraints, " +
  "decisions made and why, what was done and found (files, commands, results, exact names and values), what failed, and what " +
  "remains to do. Leave out what no longer matters. Reply with the summary only, as plain text; call no tool.";

/** `converse({ compaction })`: any field left out takes its default. */
export type CompactionParam = Partial<CompactionSettings> | false;

/** The setting a conversation keeps: the param over the defaults (a malformed param is kept as it is, for `compactionProblems` to name). */
export function resolveCompaction(param: CompactionParam | undefined): CompactionSettings | false {
  if (param === undefined) return { ...defaultCompaction };
  if (param === false || param === null || typeof param !== "object" || Array.isArray(param)) return param as CompactionSettings | false;
  return { ...defaultCompaction, ...param };
}

/** The setting in force: absent (a checkpoint older than compaction) is the default. */
export const compactionOf = (setting: CompactionSettings | false | undefined): CompactionSettings | false => setting ?? { ...defaultCompaction };

/** What is wrong with a setting, one phrase each; empty when it is usable. */
export function compactionProblems(setting: unknown): string[] {
  if (setting === false) return [];
  if (setting === null || typeof setting !== "object" || Array.isArray(setting)) {
    return [`compaction must be { at, keepLast, alias?, prompt? } or false, got ${JSON.stringify(setting) ?? String(setting)}`];
  }
  const { at, keepLast, alias, prompt } = setting as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof at !== "number" || !(at > 0 && at <= 1)) problems.push(`compaction.at must be a number in (0, 1], got ${JSON.stringify(at) ?? String(at)}`);
  if (typeof keepLast !== "number" || !Number.isInteger(keepLast) || keepLast < 1) {
    problems.push(`compaction.keepLast must be a positive integer, got ${JSON.stringify(keepLast) ?? String(keepLast)}`);
  }
  if (alias !== undefined && (typeof alias !== "string" || alias === "")) problems.push(`compaction.alias must be an alias name, got ${JSON.stringify(alias)}`);
  if (prompt !== undefined && (typeof prompt !== "string" || prompt.trim() === ""))
    problems.push(`compaction.prompt must be a non-empty string, got ${JSON.stringify(prompt)}`);
  return problems;
}
