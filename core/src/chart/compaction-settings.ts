/**
 * When a conversation's older history is replaced by a summary (`converse({ compaction })`).
 * The logic is in compaction.ts; this is the persisted setting.
 */
export interface CompactionSettings {
  /** Compact before a call whose context would pass this fraction of the model's context window (0 < at <= 1). */
  at: number;
  /** Messages at the end of the history kept as they are (a tool call and its result stay together). */
  keepLast: number;
  /** The alias that writes the summary (default: the conversation's model). */
  alias?: string;
  /** The instruction the summary call gets (default: `defaultCompactionPrompt`). */
  prompt?: string;
}
