/**
 * The baseline a replay is measured against: every line of the same transcript read with the same
 * line reader, then `JSON.parse` and `JSON.stringify` of each (a transform that parses and
 * re-prints every row), counting the UTF-8 bytes of each output as the transform's are counted. Same result shape as the transform, so the two print side by side.
 */
import { readLineBatches } from "../../core/src/runtime/read-lines.js";
import type { TransformResult } from "./transform.js";

export async function parseAndStringify(path: string): Promise<TransformResult> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  let firstFrameMs = -1;
  let frames = 0;
  let bytes = 0;
  for await (const lines of readLineBatches(path)) {
    for (const line of lines) {
      if (line.length === 0) continue;
      bytes += Buffer.byteLength(JSON.stringify(JSON.parse(line)));
      if (firstFrameMs < 0) firstFrameMs = performance.now() - start;
      frames++;
    }
  }
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  if (bytes === 0) throw new Error("baseline read nothing");
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6, firstFrameMs, frames, outputBytes: bytes, api: "JSON.parse + JSON.stringify" };
}
