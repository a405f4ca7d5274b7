/**
 * Frames from a saved wire file (JSONL of outbound frames), read line by line so memory does not
 * grow with the file. Lines that are not valid frames are skipped and counted, never applied.
 */
import { createReadStream } from "node:fs";
import { decodeOutbound, type OutboundFrame } from "@escapement/wire-schema";
import { createLineSplitter } from "./line-splitter.ts";
import type { SkippedInput } from "./connection-status.ts";

/** The first skipped lines are kept for display; after that only the count grows. */
export const SKIPPED_KEPT = 20;

export interface ReplayReport {
  readonly frames: number;
  readonly skipped: number;
  readonly firstSkipped: readonly SkippedInput[];
}

export interface ReplayFileSource {
  /** Valid frames in file order; a second call reads the file again. */
  frames(): AsyncGenerator<OutboundFrame>;
  /** Counts of the latest read (so far, while it runs). */
  report(): ReplayReport;
}

export const openReplayFile = (path: string): ReplayFileSource => {
  let frames = 0;
  let firstSkipped: SkippedInput[] = [];
  let skipped = 0;

  const decode = (line: string, position: number): OutboundFrame | undefined => {
    if (line.trim() === "") return undefined;
    const result = decodeOutbound(line);
    if (result.ok) {
      frames++;
      return result.frame;
    }
    skipped++;
    if (firstSkipped.length < SKIPPED_KEPT) firstSkipped.push({ position, ...result.error });
    return undefined;
  };

  return {
    async *frames() {
      frames = 0;
      skipped = 0;
      firstSkipped = [];
      const splitter = createLineSplitter();
      let position = 0;
      for await (const chunk of createReadStream(path, { encoding: "utf8" })) {
        for (const line of splitter.push(chunk as string)) {
          const frame = decode(line, ++position);
          if (frame) yield frame;
        }
      }
      for (const line of splitter.end()) {
        const frame = decode(line, ++position);
        if (frame) yield frame;
      }
    },
    report: () => ({ frames, skipped, firstSkipped: [...firstSkipped] }),
  };
};
