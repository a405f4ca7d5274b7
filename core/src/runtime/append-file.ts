import { closeSync, openSync, writeSync } from "node:fs";
import { withPath } from "./append-named.js";

/**
 * How many descriptors the appended files of a process hold open at once (see `AppendFile`). A few
 * hundred sessions keep theirs; with thousands at once the oldest-held are closed and opened again
 * on their next append, so their descriptors stay bounded beside the transcripts' (one a session).
 */
export const HELD_APPEND_FILES = 256;

/** The files holding a descriptor, in the order they opened it: past the bound the first is closed. */
export class HeldDescriptors {
  readonly #limit: number;
  readonly #held = new Set<AppendFile>();

  constructor(limit: number) {
    this.#limit = limit;
  }

  get size(): number {
    return this.#held.size;
  }

  /** `file` is about to open its descriptor: the longest-held one closes first when the bound is reached. */
  hold(file: AppendFile): void {
    if (this.#held.size >= this.#limit) {
      const oldest = this.#held.values().next().value;
      if (oldest) oldest.close();
    }
    this.#held.add(file);
  }

  release(file: AppendFile): void {
    this.#held.delete(file);
  }

  /** Closes every held descriptor (the process ran out of them: see `AppendFile.append`). */
  closeAll(): void {
    for (const file of [...this.#held]) file.close();
  }
}

/** Errors of an open that closing held descriptors can cure. */
const OUT_OF_DESCRIPTORS = ["EMFILE", "ENFILE"];

const processHeld = new HeldDescriptors(HELD_APPEND_FILES);

/**
 * A file appended to again and again (a checkpoint journal, at every transcript flush), held open
 * between appends: an append is one write, not an open, a write and a close. Opened in append mode,
 * so a truncation by another handle (a compaction) is followed. `close` gives the descriptor back;
 * the next append opens it again.
 */
export class AppendFile {
  readonly path: string;
  readonly #held: HeldDescriptors;
  #fd: number | undefined;

  constructor(path: string, held: HeldDescriptors = processHeld) {
    this.path = path;
    this.#held = held;
  }

  /** Appends the whole text and returns its length in bytes; an error names the file, and the descriptor is given back. */
  append(text: string): number {
    let fd = this.#fd;
    if (fd === undefined) {
      this.#held.hold(this);
      try {
        fd = this.#fd = this.#open();
      } catch (error) {
        this.#held.release(this);
        throw withPath(error, this.path);
      }
    }
    try {
      const written = writeSync(fd, text);
      const bytes = Buffer.byteLength(text);
      // A file takes the whole string in one write; were it cut short, the rest goes from its bytes.
      if (written < bytes) {
        const buffer = Buffer.from(text, "utf8");
        for (let at = written; at < buffer.length;) at += writeSync(fd, buffer, at);
      }
      return bytes;
    } catch (error) {
      this.close();
      throw withPath(error, this.path);
    }
  }

  /**
   * Opens the file for appending. When the process is out of descriptors (sessions and sockets take
   * them too), the held ones are given back and the open is tried once more: holding is a saving,
   * never a reason to fail.
   */
  #open(): number {
    try {
      return openSync(this.path, "a");
    } catch (error) {
      if (!OUT_OF_DESCRIPTORS.includes((error as NodeJS.ErrnoException).code ?? "")) throw error;
      this.#held.closeAll();
      return openSync(this.path, "a");
    }
  }

  /** Closes the descriptor, if one is open. */
  close(): void {
    const fd = this.#fd;
    if (fd === undefined) return;
    this.#fd = undefined;
    this.#held.release(this);
    closeSync(fd);
  }
}
