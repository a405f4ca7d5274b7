import type { FileHandle } from "node:fs/promises";

const sniffBytes = 8192;

/** A file is treated as binary when its first 8 KiB contain a NUL byte (as git and grep do). */
export const looksBinary = async (handle: FileHandle): Promise<boolean> => {
  const buffer = Buffer.alloc(sniffBytes);
  const { bytesRead } = await handle.read(buffer, 0, sniffBytes, 0);
  return buffer.subarray(0, bytesRead).includes(0);
};
