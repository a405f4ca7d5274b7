/** In-process transcript -> wire: throughput (wall and CPU time), time to first frame. */
import type { Subject } from "./subject.js";

export interface TransformResult {
  /** Wall seconds for the whole file. */
  seconds: number;
  /** CPU seconds (user + system) of this process for the whole file. */
  cpuSeconds: number;
  firstFrameMs: number;
  /** Frames made (0 where only the bytes are counted: the JSONL). */
  frames: number;
  /** UTF-8 bytes of the output (each frame's text, or the JSONL), as a writer would encode them. */
  outputBytes: number;
  /** The API measured. */
  api: string;
}

interface ReplayModule {
  transcriptToWire(path: string): AsyncIterable<{ text: string }>;
  transcriptToWireBatches?(path: string): AsyncIterable<{ text: string }[]>;
  transcriptToWireText?(path: string): AsyncIterable<string>;
}

/**
 * What is measured: "jsonl", the wire JSONL `open --emit-wire` writes (`transcriptToWireText`, or
 * in a checkout without it the batches' texts joined as its `emitWire` joined them); "batches",
 * a line object per frame (`transcriptToWireBatches`); "per-frame", one frame at a time.
 */
export type TransformApi = "jsonl" | "batches" | "per-frame";

/** Drains the transform through the chosen API (falling back to what an older checkout has). */
export async function transform(subject: Subject, path: string, wanted: TransformApi = "jsonl"): Promise<TransformResult> {
  const replay = await subject.load<ReplayModule>("core/src/replay/index.ts");
  const cpu = process.cpuUsage();
  const start = performance.now();
  let firstFrameMs = -1;
  let frames = 0;
  let outputBytes = 0;
  const first = () => {
    if (firstFrameMs < 0) firstFrameMs = performance.now() - start;
  };
  let api: string;
  if (wanted === "jsonl" && replay.transcriptToWireText) {
    api = "transcriptToWireText";
    for await (const text of replay.transcriptToWireText(path)) {
      if (text.length === 0) throw new Error("empty chunk");
      first();
      outputBytes += Buffer.byteLength(text);
    }
  } else if (wanted !== "per-frame" && replay.transcriptToWireBatches) {
    api = wanted === "jsonl" ? "batches joined" : "transcriptToWireBatches";
    for await (const batch of replay.transcriptToWireBatches(path)) {
      if (batch.length > 0) first();
      if (wanted === "jsonl") {
        let text = "";
        for (const line of batch) text += `${line.text}\n`;
        outputBytes += Buffer.byteLength(text);
      } else {
        for (const line of batch) outputBytes += Buffer.byteLength(line.text);
        frames += batch.length;
      }
    }
  } else {
    api = "transcriptToWire";
    for await (const line of replay.transcriptToWire(path)) {
      first();
      outputBytes += Buffer.byteLength(line.text);
      frames++;
    }
  }
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  if (outputBytes === 0) throw new Error(`${subject.name}: the transform wrote nothing`);
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6, firstFrameMs, frames, outputBytes, api };
}
