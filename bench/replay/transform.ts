/** In-process transcript -> wire: throughput (wall and CPU time), time to first frame. */
import type { Subject } from "./subject.js";

export interface TransformResult {
  /** Wall seconds for the whole file. */
  seconds: number;
  /** CPU seconds (user + system) of this process for the whole file. */
  cpuSeconds: number;
  firstFrameMs: number;
  frames: number;
  /** The API measured: "batches" (transcriptToWireBatches) or "per-frame" (transcriptToWire). */
  api: string;
}

interface ReplayModule {
  transcriptToWire(path: string): AsyncIterable<{ text: string }>;
  transcriptToWireBatches?(path: string): AsyncIterable<{ text: string }[]>;
}

/** Drains the transform. `perFrame` forces the one-frame-at-a-time API even when batches exist. */
export async function transform(subject: Subject, path: string, perFrame = false): Promise<TransformResult> {
  const replay = await subject.load<ReplayModule>("core/src/replay/index.ts");
  const cpu = process.cpuUsage();
  const start = performance.now();
  let firstFrameMs = -1;
  let frames = 0;
  const first = () => {
    if (firstFrameMs < 0) firstFrameMs = performance.now() - start;
  };
  if (replay.transcriptToWireBatches && !perFrame) {
    for await (const batch of replay.transcriptToWireBatches(path)) {
      if (batch.length > 0) first();
      for (const line of batch) if (line.text.length === 0) throw new Error("empty frame");
      frames += batch.length;
    }
  } else {
    for await (const line of replay.transcriptToWire(path)) {
      first();
      if (line.text.length === 0) throw new Error("empty frame");
      frames++;
    }
  }
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  return {
    seconds,
    cpuSeconds: (used.user + used.system) / 1e6,
    firstFrameMs,
    frames,
    api: replay.transcriptToWireBatches && !perFrame ? "batches" : "per-frame",
  };
}
