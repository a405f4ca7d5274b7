import { closeSync, openSync, writeSync } from "node:fs";
import { withPath } from "./append-named.js";
import type { EventData, EventName } from "@escapement/wire-schema";
import type { Clock } from "./clock.js";
import { SecretScrubber } from "./secret-scrubber.js";
import type { TranscriptRow } from "./transcript-row.js";
import { isPending, leaveToDurable, type Durable } from "./durable.js";

/**
 * Rows that stream (model text fragments): consecutive ones of one stream join into a single row
 * while they wait for the same flush, and a batch holding nothing else waits `streamFlushMs`
 * rather than the end of the tick. Streamed rows never move the chart, so no checkpoint waits on them.
 */
export interface StreamRows {
  /** Whether a row with this event and data streams. */
  streams(event: string, data: unknown): boolean;
  /** `previous` with `data` joined onto it (it may change `previous` in place), or undefined when they belong to different streams. */
  join(previous: unknown, data: unknown): unknown | undefined;
  /** About how many characters a streamed row adds (its text), so a growing stream still flushes at `maxBatchBytes`. */
  size(data: unknown): number;
}

export interface TranscriptWriterOptions {
  clock: Clock;
  /** Seq of the first row this writer appends (1 for a new session). */
  nextSeq?: number;
  /** Byte length of the file when opened, so checkpoints can name a consistent prefix. */
  offset?: number;
  /** Flush synchronously once this many bytes are buffered. */
  maxBatchBytes?: number;
  /** Which rows stream and join (see `StreamRows`). Without it every row stands alone. */
  streamRows?: StreamRows;
  /**
   * How long a batch of streamed rows alone may wait before it is written. Default 33 ms: the
   * terminal UI redraws at most that often, and each flush is a write (with thousands of sessions
   * streaming, flushes are a good part of the work).
   */
  streamFlushMs?: number;
  /**
   * Runs as soon as the sink has taken a batch, durable or not yet: the checkpoint hook. A store
   * makes one writer's writes durable in the order they were made, so a checkpoint written here is
   * never durable before the rows it covers, and it holds the state those rows lead to (a sink that
   * acknowledges later does so when the chart may have moved on), and anything written after it
   * (the manifest saying the run ended) is never durable before it.
   */
  afterAppend?: (lastSeq: number, offset: number) => void;
  /** Runs after rows are durable and before any tap sees them. */
  afterWrite?: (lastSeq: number, offset: number) => void;
  /**
   * A flush scheduled by the writer itself failed (disk full, too many open files, a failing
   * checkpoint): there is no caller to throw to. Without it the error is rethrown.
   */
  onError?: (error: unknown) => void;
  /**
   * The run's secrets: no row holds one. A row whose line would is scrubbed before it is written,
   * so the file and the taps (renderers, the wire) see the same `[redacted]` data. Default: none.
   */
  scrubber?: SecretScrubber;
}

export type RowTap = (rows: readonly TranscriptRow[]) => void;

/**
 * Where the writer's batches go (a session store's transcript). `append` gets the batch's lines
 * (each row's JSON and a newline) and the rows themselves, and acknowledges the batch once it is
 * durable: by returning (a synchronous store), or with a promise (see `Durable`); it throws or
 * rejects when the batch cannot be made durable. Batches are acknowledged in order. A path is a
 * file appended to.
 */
export interface TranscriptSink {
  append(text: string, rows: readonly TranscriptRow[]): Durable;
  close(): void;
}

/** A transcript file, held open for the writer's life: one write per batch. */
function fileSink(path: string): TranscriptSink {
  const fd = openSync(path, "a");
  return {
    append(text) {
      const bytes = Buffer.byteLength(text);
      // A file takes the whole string in one write; were it cut short, the rest goes from its bytes.
      try {
        const written = writeSync(fd, text);
        if (written < bytes) {
          const buffer = Buffer.from(text, "utf8");
          for (let at = written; at < bytes;) at += writeSync(fd, buffer, at);
        }
      } catch (error) {
        throw withPath(error, path);
      }
    },
    close: () => closeSync(fd),
  };
}

/**
 * The single writer of a session's transcript. Rows get a gap-free `seq` on append and
 * reach the file in batches: at the end of the current tick, when the batch grows large,
 * or when the runtime is about to act on the outside world (`flush()`). Taps see rows only
 * after they are written: durable before visible.
 */
export class TranscriptWriter {
  readonly #sink: TranscriptSink;
  readonly #clock: Clock;
  readonly #maxBatchBytes: number;
  readonly #streamRows: StreamRows | undefined;
  readonly #streamFlushMs: number;
  readonly #afterAppend: TranscriptWriterOptions["afterAppend"];
  readonly #afterWrite: TranscriptWriterOptions["afterWrite"];
  readonly #onError: TranscriptWriterOptions["onError"];
  readonly #scrubber: SecretScrubber;
  readonly #taps = new Set<RowTap>();
  #nextSeq: number;
  #offset: number;
  /** Where the batches handed to the sink end, durable or not yet. */
  #appendedOffset: number;
  #rows: TranscriptRow[] = [];
  /** The serialized rows of the batch, all but a trailing streamed row (it may still grow). */
  #text = "";
  #open: TranscriptRow | undefined;
  #openSize = 0;
  #tickScheduled = false;
  #streamTimer: unknown;
  #closed = false;
  /** The batches an asynchronous sink has not acknowledged yet; undefined when none is waiting. */
  #acks: Promise<void> | undefined;

  constructor(target: string | TranscriptSink, options: TranscriptWriterOptions) {
    this.#sink = typeof target === "string" ? fileSink(target) : target;
    this.#clock = options.clock;
    this.#nextSeq = options.nextSeq ?? 1;
    this.#offset = options.offset ?? 0;
    this.#appendedOffset = this.#offset;
    this.#maxBatchBytes = options.maxBatchBytes ?? 256 * 1024;
    this.#streamRows = options.streamRows;
    this.#streamFlushMs = options.streamFlushMs ?? 33;
    this.#afterAppend = options.afterAppend;
    this.#afterWrite = options.afterWrite;
    this.#onError = options.onError;
    this.#scrubber = options.scrubber ?? SecretScrubber.none;
  }

  get lastSeq(): number {
    return this.#nextSeq - 1;
  }

  /**
   * Appends a row, or joins a streamed row onto the previous one of its stream; returns the row
   * holding it. `data` is typed by the event name (wire-schema's event-data map). The writer owns
   * `data` from here on (a streamed row's grows in place).
   */
  append<E extends EventName>(event: E, data: EventData<E>): TranscriptRow {
    if (this.#closed) throw new Error(`transcript is closed; cannot append ${event}`);
    const open = this.#open;
    if (open && open.event === event) {
      const joined = this.#streamRows!.join(open.data, data);
      if (joined !== undefined) {
        open.data = joined;
        this.#openSize += this.#streamRows!.size(data);
        if (this.#text.length + this.#openSize >= this.#maxBatchBytes) this.flush();
        return open;
      }
    }
    if (open) this.#seal();
    // The keys in this order, always: a line then starts `{"seq":…,"ts":…,"event":"…","data":`,
    // the layout a replay reads without parsing the row (replay/plain-row-line.ts; a test pins it).
    const row: TranscriptRow = { seq: this.#nextSeq++, ts: this.#clock.now(), event, data };
    this.#rows.push(row);
    if (this.#streamRows?.streams(event, data)) {
      this.#open = row;
      this.#openSize = this.#streamRows.size(data);
      this.#scheduleStream();
    } else {
      this.#text += `${this.#line(row)}\n`;
      this.#scheduleTick();
    }
    if (this.#text.length + this.#openSize >= this.#maxBatchBytes) this.flush();
    return row;
  }

  #seal(): void {
    this.#text += `${this.#line(this.#open!)}\n`;
    this.#open = undefined;
    this.#openSize = 0;
  }

  /**
   * The row's line. Searched once for secrets; a row holding one gets its data back from the line
   * as plain JSON, scrubbed (taps then see exactly what the file holds). A streamed row is
   * searched when it is sealed, so a secret split across the fragments it joined is found too.
   */
  #line(row: TranscriptRow): string {
    const line = JSON.stringify(row);
    if (!this.#scrubber.finds(line)) return line;
    const scrubbed = this.#scrubber.scrubJsonText(line);
    row.data = (JSON.parse(scrubbed) as TranscriptRow).data;
    return scrubbed;
  }

  #scheduleTick(): void {
    if (this.#tickScheduled) return;
    this.#tickScheduled = true;
    setImmediate(this.#onTick);
  }

  /** The end-of-tick flush, made once (a tick that appends schedules it). */
  readonly #onTick = (): void => {
    this.#tickScheduled = false;
    this.#scheduledFlush();
  };

  #scheduleStream(): void {
    if (this.#streamTimer !== undefined) return;
    this.#streamTimer = this.#clock.setTimeout(() => {
      this.#streamTimer = undefined;
      this.#scheduledFlush();
    }, this.#streamFlushMs);
  }

  #scheduledFlush(): void {
    try {
      this.flush();
    } catch (error) {
      if (!this.#onError) throw error;
      this.#onError(error);
    }
  }

  /**
   * Writes every buffered row, runs the checkpoint hook, then hands the rows to the taps. With a
   * sink that acknowledges later, the hook and the taps run once it has, batch after batch in
   * order; `durable()` says when.
   */
  flush(): void {
    if (this.#streamTimer !== undefined) {
      this.#clock.clearTimeout(this.#streamTimer);
      this.#streamTimer = undefined;
    }
    if (this.#rows.length === 0) return;
    if (this.#open) this.#seal();
    const rows = this.#rows;
    const text = this.#text;
    this.#rows = [];
    this.#text = "";
    const ack = this.#sink.append(text, rows);
    const bytes = Buffer.byteLength(text);
    this.#appendedOffset += bytes;
    this.#afterAppend?.(rows[rows.length - 1]!.seq, this.#appendedOffset);
    if (!isPending(ack) && this.#acks === undefined) {
      this.#published(rows, bytes);
      return;
    }
    // Its failure is reported below, through the chain, even when it fails before the batches ahead of it settle.
    leaveToDurable(ack);
    const acks: Promise<void> = (this.#acks ?? Promise.resolve()).then(() => ack).then(() => this.#published(rows, bytes));
    this.#acks = acks;
    acks.then(
      () => {
        if (this.#acks === acks) this.#acks = undefined;
      },
      (error: unknown) => {
        if (this.#acks === acks) this.#acks = undefined;
        if (!this.#onError) throw error;
        this.#onError(error);
      },
    );
  }

  /** A durable batch: the offset moves on, the checkpoint hook runs, the taps see the rows. */
  #published(rows: readonly TranscriptRow[], bytes: number): void {
    this.#offset += bytes;
    this.#afterWrite?.(rows[rows.length - 1]!.seq, this.#offset);
    for (const tap of this.#taps) tap(rows);
  }

  /** Settles once every flushed batch is durable and published; nothing when none is waiting (always so with a synchronous sink). */
  durable(): Durable {
    return this.#acks;
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
      this.#sink.close();
    }
  }
}
