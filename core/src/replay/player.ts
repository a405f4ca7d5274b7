import type { PlaybackState, PlaybackStatus, SeekTarget, TranscriptRow } from "@escapement/wire-schema/runtime";
import { delayBefore, realSleep, type Sleep, type Timing } from "./playback.js";
import { resolveSeek, type SeekIndex, type SeekResolution } from "./seek-index.js";

export interface PlayerOptions {
  timing: Timing;
  /** The whole transcript's ends and landmarks (`buildSeekIndex`). */
  index: SeekIndex;
  /** The transcript's rows from the first; called again for every backward seek. */
  rows: () => AsyncIterable<TranscriptRow>;
  /** Where the played rows go, in order. */
  ingest: (row: TranscriptRow) => void;
  /** The stream starts over: called before a backward seek plays the rows again from the first. */
  rewind: () => void;
  /** Every change: playing / paused / ended, each seek, and the last row of each step. */
  onStatus: (status: PlaybackStatus) => void;
  /** The last row is out (again after each rewind that comes back to it). */
  onEnd?: () => void;
  sleep?: Sleep;
}

/**
 * Plays a transcript row by row with the chosen timing, and takes the renderer's requests while it
 * does: pause, resume, step (rows through with no delay) and seek. A forward seek plays the rows up
 * to the target at once; a backward one rewinds the stream and plays the rows from the first up to
 * the target at once. A seek keeps playing or paused as it was (from the end: paused).
 */
export class Player {
  readonly #options: PlayerOptions;
  readonly #sleep: Sleep;
  #state: PlaybackState = "playing";
  #position = 0;
  #steps = 0;
  /** Seq of a seek not yet carried out. */
  #target: number | undefined;
  #wake = new AbortController();
  #iterator: AsyncIterator<TranscriptRow> | undefined;
  #peeked: TranscriptRow | undefined;
  #exhausted = false;
  #previous: TranscriptRow | undefined;

  constructor(options: PlayerOptions) {
    this.#options = options;
    this.#sleep = options.sleep ?? realSleep;
  }

  get status(): PlaybackStatus {
    const { timing, index } = this.#options;
    return {
      state: this.#state,
      rowSeq: this.#position,
      lastRowSeq: index.lastRowSeq,
      timing: timing.mode,
      ...(timing.mode === "wallclock" ? { speed: timing.speed } : {}),
      ...(timing.mode === "paced" ? { intervalMs: timing.intervalMs } : {}),
      ...(index.firstTs === undefined ? {} : { firstTs: index.firstTs }),
      ...(index.lastTs === undefined ? {} : { lastTs: index.lastTs }),
    };
  }

  pause(): void {
    if (this.#state !== "playing") return;
    this.#state = "paused";
    this.#publish();
    this.#interrupt();
  }

  resume(): void {
    if (this.#state !== "paused") return;
    this.#state = "playing";
    this.#publish();
    this.#interrupt();
  }

  /** Lets the next `n` rows through at once, paused or not. */
  step(n = 1): void {
    this.#steps += Math.max(0, n);
    this.#interrupt();
  }

  /** Resolves `to` from where the playback is (or is going); the move itself happens in `run`. */
  seek(to: SeekTarget): SeekResolution {
    const resolved = resolveSeek(this.#options.index, this.#target ?? this.#position, to);
    if (resolved.ok) {
      this.#target = resolved.rowSeq;
      this.#interrupt();
    }
    return resolved;
  }

  /** Plays until `signal` aborts; after the end it waits for seeks. */
  async run(signal: AbortSignal): Promise<void> {
    const onAbort = () => this.#interrupt();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      this.#publish();
      for (;;) {
        if (signal.aborted) return;
        if (this.#target !== undefined) {
          await this.#moveTo(this.#target, signal);
          continue;
        }
        const next = await this.#peek();
        if (next === undefined) {
          if (this.#state !== "ended") this.#end();
          await this.#idle();
          continue;
        }
        if (this.#steps === 0 && this.#state !== "playing") {
          await this.#idle();
          continue;
        }
        const delay = this.#steps > 0 ? 0 : delayBefore(this.#options.timing, this.#previous, next);
        if (delay > 0 && !(await this.#waited(delay))) continue;
        const stepped = this.#steps > 0;
        if (stepped) this.#steps--;
        this.#take();
        // A step moved the position on request: its last row is a change a renderer is told of.
        if (stepped && this.#steps === 0 && (await this.#peek()) !== undefined) this.#publish();
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      void this.#iterator?.return?.();
    }
  }

  async #moveTo(target: number, signal: AbortSignal): Promise<void> {
    this.#target = undefined;
    if (target < this.#position) this.#rewind();
    for (;;) {
      if (signal.aborted || this.#target !== undefined) return;
      const next = await this.#peek();
      if (next === undefined || next.seq > target) break;
      this.#take();
    }
    this.#steps = 0;
    if ((await this.#peek()) === undefined) {
      if (this.#state !== "ended") return this.#end();
    } else if (this.#state === "ended") this.#state = "paused";
    this.#publish();
  }

  #rewind(): void {
    void this.#iterator?.return?.();
    this.#iterator = undefined;
    this.#peeked = undefined;
    this.#exhausted = false;
    this.#previous = undefined;
    this.#position = 0;
    this.#options.rewind();
  }

  #end(): void {
    this.#state = "ended";
    this.#publish();
    this.#options.onEnd?.();
  }

  /** The next row to play, read ahead; rows at or before the position (out of order) are skipped. */
  async #peek(): Promise<TranscriptRow | undefined> {
    while (this.#peeked === undefined && !this.#exhausted) {
      this.#iterator ??= this.#options.rows()[Symbol.asyncIterator]();
      const result = await this.#iterator.next();
      if (result.done) this.#exhausted = true;
      else if (result.value.seq > this.#position) this.#peeked = result.value;
    }
    return this.#peeked;
  }

  #take(): void {
    const row = this.#peeked!;
    this.#peeked = undefined;
    this.#previous = row;
    this.#position = row.seq;
    this.#options.ingest(row);
  }

  #publish(): void {
    this.#options.onStatus(this.status);
  }

  #interrupt(): void {
    this.#wake.abort();
    this.#wake = new AbortController();
  }

  /** True when `ms` passed; false when a request came first. */
  async #waited(ms: number): Promise<boolean> {
    const signal = this.#wake.signal;
    await this.#sleep(ms, signal);
    return !signal.aborted;
  }

  async #idle(): Promise<void> {
    await this.#sleep(2 ** 31 - 1, this.#wake.signal);
  }
}
