import { once } from "node:events";
import type { Writable } from "node:stream";
import { play, type Timing } from "./playback.js";
import { transcriptToWire, transcriptToWireText, type TranscriptToWireOptions } from "./transcript-to-wire.js";

/**
 * Writes a transcript's wire JSONL (one frame per line) to `out` with the chosen timing, waiting
 * for `drain` when `out` is full. Instant: a chunk's frames go in one write (a write per frame is
 * most of the cost of a long replay into a pipe); paced and wallclock: frame by frame.
 */
export async function emitWire(path: string, timing: Timing, out: Writable, options: TranscriptToWireOptions = {}): Promise<void> {
  if (timing.mode === "instant") {
    for await (const text of transcriptToWireText(path, options)) {
      if (!out.write(text)) await once(out, "drain");
    }
    return;
  }
  for await (const line of play(transcriptToWire(path, options), timing)) {
    if (!out.write(`${line.text}\n`)) await once(out, "drain");
  }
}
