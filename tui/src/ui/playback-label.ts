/** A replay's playback in a few words: playing, paused or ended; the row shown of how many; the recorded time; the speed. */
import { playbackPosition, type ViewState } from "../domain/index.ts";
import type { DebugLabel } from "./debug-label.ts";
import { formatOffset } from "./format.ts";

/** Recorded time with tenths: "0:04.3". */
const clock = (ms: number): string => formatOffset(ms).slice(1);

const SYMBOL = { playing: "▶ playing", paused: "⏸ PAUSED", ended: "■ ended" } as const;

/** Undefined unless the core plays a saved session (it sends `playback` frames). */
export const playbackLabel = (state: ViewState): DebugLabel | undefined => {
  const at = playbackPosition(state);
  if (!at) return undefined;
  const parts = [`${SYMBOL[at.state]} row ${at.rowSeq}/${at.lastRowSeq}`];
  if (at.atMs !== undefined && at.totalMs !== undefined) parts.push(`${clock(at.atMs)}/${clock(at.totalMs)}`);
  if (at.speed !== undefined && at.speed !== 1) parts.push(`${at.speed}×`);
  return { text: parts.join(" · "), tone: at.state === "paused" ? "warn" : "dim" };
};
