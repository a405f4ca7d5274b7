import type { FileHandle } from "node:fs/promises";
import { readLines } from "../runtime/read-lines.js";

const chunkBytes = 1 << 16;

/**
 * The lines of the file `handle` has open, from its start, as `readLines` splits them (only "\n"
 * ends a line). Reads from the descriptor only, never by path, so the lines are those of the file
 * that was checked. Memory holds one chunk and the unfinished line; aborting `signal` throws.
 */
export const linesOfOpenFile = (handle: FileHandle, signal?: AbortSignal): AsyncGenerator<string> => readLines(chunksOf(handle, signal));

async function* chunksOf(handle: FileHandle, signal: AbortSignal | undefined): AsyncGenerator<Uint8Array> {
  let position = 0;
  for (;;) {
    signal?.throwIfAborted();
    const buffer = Buffer.allocUnsafe(chunkBytes);
    const { bytesRead } = await handle.read(buffer, 0, chunkBytes, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}
