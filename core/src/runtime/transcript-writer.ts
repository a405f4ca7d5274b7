import { closeSync, openSync, writeSync } from "node:fs";
import type { Clock } from "./clock.js";
import type { TranscriptRow } from "./transcript-row.js";

export interface TranscriptWriterOptions {
  clock: Clock;
  /** Seq of the first row this writer appends (1 for a new session). */
  nextSeq?: number;
  /** Byte length of the file when opened, so checkpoints can name a consistent prefix. */
  offset?: number;
  /** Flush synchronously once this many bytes are buffered. */
  maxBatchBytes?: number;
  /** Runs after rows are on disk and before any tap sees them (the checkpoint hook). */
  afterWrite?: (lastSeq: number, offset: number) => void;
  /**
   * A flush scheduled by the writer itself failed (disk full, too many open files, a failing
   * checkpoint): there is no caller to throw to. Without it the error is rethrown.
   */
  onError?: (error: unknown) => void;
}

export type RowTap = (rows: readonly TranscriptRow[]) => void;

/**
 * The single writer of a session's transcript. Rows get a gap-free `seq` on append and
 * reach the file in batches: at the end of the current tick, when the batch grows large,
 * or when the runtime is about to act on the outside world (`flush()`). Taps see rows only
 * after they are written: durable before visible.
 */
export class TranscriptWriter {
  readonly #fd: number;
  readonly #clock: Clock;
  readonly #maxBatchBytes: number;
  readonly #afterWrite: TranscriptWriterOptions["afterWrite"];
  readonly #onError: TranscriptWriterOptions["onError"];
  readonly #taps = new Set<RowTap>();
  #nextSeq: number;
  #offset: number;
  #rows: TranscriptRow[] = [];
  #text = "";
  #scheduled = false;
  #closed = false;

  constructor(path: string, options: TranscriptWriterOptions) {
    this.#fd = openSync(path, "a");
    this.#clock = options.clock;
    this.#nextSeq = options.nextSeq ?? 1;
    this.#offset = options.offset ?? 0;
    this.#maxBatchBytes = options.maxBatchBytes ?? 256 * 1024;
    this.#afterWrite = options.afterWrite;
    this.#onError = options.onError;
  }

  get lastSeq(): number {
    return this.#nextSeq - 1;
  }

  append(event: string, data: unknown): TranscriptRow {
    if (this.#closed) throw new Error(`transcript is closed; cannot append ${event}`);
    const row: TranscriptRow = { seq: this.#nextSeq++, ts: this.#clock.now(), event, data };
    this.#rows.push(row);
    this.#text += `${JSON.stringify(row)}\n`;
    if (this.#text.length >= this.#maxBatchBytes) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#scheduledFlush());
    }
    return row;
  }

  #scheduledFlush(): void {
    try {
      this.flush();
    } catch (error) {
      if (!this.#onError) throw error;
      this.#onError(error);
    }
  }

  /** Writes every buffered row, runs the checkpoint hook, then hands the rows to the taps. */
  flush(): void {
    this.#scheduled = false;
    if (this.#rows.length === 0) return;
    const rows = this.#rows;
    const buffer = Buffer.from(this.#text, "utf8");
    this.#rows = [];
    this.#text = "";
    let written = 0;
    while (written < buffer.length) written += writeSync(this.#fd, buffer, written);
    this.#offset += buffer.length;
    this.#afterWrite?.(rows[rows.length - 1]!.seq, this.#offset);
    for (const tap of this.#taps) tap(rows);
  }

  tap(listener: RowTap): () => void {
    this.#taps.add(listener);
    return () => this.#taps.delete(listener);
  }

  /** Flushes what is buffered and closes the file; the file is closed even when that flush fails. */
  close(): void {
    if (this.#closed) return;
    try {
      this.flush();
    } finally {
      this.#closed = true;
      closeSync(this.#fd);
    }
  }
}
