/**
 * The live side of the wire transform: transcript rows (after they are on disk) go through the
 * same pure sequencer a replay uses (`framesFromRow`), so a live connection and a replay of the
 * transcript see identical frames. The hub keeps a window of recent frames for resuming
 * connections, re-creates older frames by re-running the transcript (the file on disk, or the rows
 * of a store that keeps the session), and tracks what a `snapshot` reports.
 */
import { existsSync } from "node:fs";
import {
  createFrameSequencer,
  framesFromRow,
  initialSequencerState,
  snapshotFrame,
  type PlaybackStatus,
  type RunInfo,
  type SequencerState,
  type SnapshotFrame,
  type StreamFrame,
} from "@escapement/wire-schema";
import { readTranscript } from "../runtime/transcript-reader.js";
import type { TranscriptRow } from "../runtime/transcript-row.js";
import { silentLogger, type Logger } from "../runtime/logger.js";
import { readRowsSync } from "./read-rows-sync.js";

/** Reads the session's transcript rows in order (a store's `rows(key)`). */
export type RowSource = () => AsyncIterable<TranscriptRow>;

export interface WireHubOptions {
  /** The session's transcript.jsonl, for frames older than the window (and a resumed session's earlier rows). */
  transcriptPath?: string;
  /** The same for a session with no transcript file (kept in a store without directories): its rows from the store. */
  rows?: RowSource;
  /** Stream frames kept in memory for resuming connections. Default 4096. */
  windowFrames?: number;
  log?: Logger;
}

export type FrameListener = (frames: readonly StreamFrame[]) => void;

export class WireHub {
  #sequencer = createFrameSequencer();
  readonly #windowSize: number;
  readonly #log: Logger;
  readonly #listeners = new Set<FrameListener>();
  readonly #runListeners = new Set<(run: RunInfo) => void>();
  readonly #rewindListeners = new Set<() => void>();
  readonly #playbackListeners = new Set<(status: PlaybackStatus) => void>();
  #playback: (() => PlaybackStatus) | undefined;
  #window: StreamFrame[] = [];
  #transcriptPath: string | undefined;
  #rows: RowSource | undefined;
  /** Rows ingested while a resumed session's earlier rows are read from its store (in order, after them). */
  #waiting: TranscriptRow[] | undefined;
  /** Counts rewinds: a read from the store begun before one is dropped. */
  #generation = 0;
  #ended = false;

  constructor(options: WireHubOptions = {}) {
    this.#windowSize = Math.max(1, options.windowFrames ?? 4096);
    this.#transcriptPath = options.transcriptPath;
    this.#rows = options.rows;
    this.#log = options.log ?? silentLogger;
  }

  /** The session's rows from its store (known once the runner created the session), when it has no transcript file. */
  set rows(source: RowSource | undefined) {
    this.#rows = source;
  }

  /** Where the transcript lives (known once the runner created the session directory). */
  set transcriptPath(path: string | undefined) {
    this.#transcriptPath = path;
  }

  get transcriptPath(): string | undefined {
    return this.#transcriptPath;
  }

  /** Last stream seq (0 before any frame). */
  get seq(): number {
    return this.#sequencer.state.seq;
  }

  get state(): SequencerState {
    return this.#sequencer.state;
  }

  /** The run's ids, once its `runner/started` row went through. */
  get run(): RunInfo | undefined {
    return this.#sequencer.state.run;
  }

  /** The stream is over (`run-finished` went out). */
  get ended(): boolean {
    return this.#ended;
  }

  snapshot(): SnapshotFrame {
    return snapshotFrame(this.#sequencer.state);
  }

  /** A row tap: rows in seq order, already stored. */
  readonly ingest = (rows: readonly TranscriptRow[]): void => {
    if (this.#waiting) this.#waiting.push(...rows);
    else this.#ingest(rows, true);
  };

  #ingest(rows: readonly TranscriptRow[], mayCatchUp: boolean): void {
    const frames: StreamFrame[] = [];
    for (const [index, row] of rows.entries()) {
      const expected = this.#sequencer.state.rowSeq + 1;
      if (row.seq > expected && mayCatchUp && !this.#catchUp(expected, row.seq - 1, frames)) {
        // The earlier rows come from the store first: this row and those after it wait for them.
        this.#publish(frames);
        this.#waiting = rows.slice(index);
        void this.#catchUpFromStore(expected, row.seq - 1);
        return;
      }
      if (row.seq < expected) continue; // already seen (a tap registered twice, or a catch-up overlap)
      frames.push(...this.#sequencer.push(row));
    }
    this.#publish(frames);
  }

  #publish(frames: StreamFrame[]): void {
    if (frames.length === 0) return;
    this.#remember(frames);
    if (frames.some((frame) => frame.kind === "run-finished")) this.#ended = true;
    // A renderer's trouble must never reach the runner (this runs inside its transcript flush).
    for (const listener of this.#listeners) this.#safely(() => listener(frames));
    // Listeners wait only while the run's ids are unknown (see onRun).
    const run = this.run;
    if (run && this.#runListeners.size > 0) {
      for (const listener of this.#runListeners) this.#safely(() => listener(run));
      this.#runListeners.clear();
    }
  }

  /**
   * Starts the stream over (a replay seeking backwards): every frame and the run's state are
   * forgotten, each attached connection is sent a `rewind`, and the rows ingested next are
   * numbered from seq 1 again.
   */
  rewind(): void {
    this.#sequencer = createFrameSequencer();
    this.#generation += 1;
    this.#waiting = undefined;
    this.#window = [];
    this.#ended = false;
    for (const listener of this.#rewindListeners) this.#safely(listener);
  }

  /** Called on every `rewind`; returns the unsubscribe function. */
  onRewind(listener: () => void): () => void {
    this.#rewindListeners.add(listener);
    return () => this.#rewindListeners.delete(listener);
  }

  /** A replay's playback state: every connection is sent it as a `playback` frame, now and after its hello. */
  get playback(): PlaybackStatus | undefined {
    return this.#playback?.();
  }

  set playback(status: PlaybackStatus) {
    this.#playback = () => status;
    for (const listener of this.#playbackListeners) this.#safely(() => listener(status));
  }

  /**
   * Reads the playback state from its source whenever a `playback` frame is made, so a renderer
   * attaching between two changes is told the position as it is then, not as of the last change.
   */
  followPlayback(current: () => PlaybackStatus): void {
    this.#playback = current;
  }

  /** The playback changed: every connection is sent its state. */
  playbackChanged(): void {
    const status = this.playback;
    if (status) for (const listener of this.#playbackListeners) this.#safely(() => listener(status));
  }

  /** Called on every change of `playback`; returns the unsubscribe function. */
  onPlayback(listener: (status: PlaybackStatus) => void): () => void {
    this.#playbackListeners.add(listener);
    return () => this.#playbackListeners.delete(listener);
  }

  /** Live stream frames as they are made; returns the unsubscribe function. */
  subscribe(listener: FrameListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Called once the run's ids are known (at once if they already are). */
  onRun(listener: (run: RunInfo) => void): () => void {
    const run = this.run;
    if (run) {
      listener(run);
      return () => {};
    }
    this.#runListeners.add(listener);
    return () => this.#runListeners.delete(listener);
  }

  /** Stream frames after `since` from the in-memory window, or undefined when the window starts later. */
  framesSince(since: number): StreamFrame[] | undefined {
    if (since >= this.seq) return [];
    const first = this.#window[0];
    if (!first || first.seq > since + 1) return undefined;
    return this.#window.slice(since + 1 - first.seq);
  }

  /**
   * Stream frames `since + 1 .. upTo` re-created from the transcript (its file, else the store's
   * rows) by running it through the sequencer from the first row (seqs are a pure function of the
   * transcript). Streams.
   */
  async *replayEarlier(since: number, upTo: number): AsyncGenerator<StreamFrame> {
    const rows = this.#earlierRows();
    if (!rows || upTo <= since) return;
    let state: SequencerState = initialSequencerState;
    for await (const row of rows) {
      if (row.seq !== state.rowSeq + 1) {
        this.#log.warn("wire: the stored transcript has a gap; stopping the replay", { expected: state.rowSeq + 1, got: row.seq });
        return;
      }
      const step = framesFromRow(row, state);
      state = step.state;
      for (const frame of step.frames) {
        if (frame.seq > upTo) return;
        if (frame.seq > since) yield frame;
      }
      if (state.seq >= upTo) return;
    }
  }

  /** The transcript's rows from the first: its file when there is one, else the store's. */
  #earlierRows(): AsyncIterable<TranscriptRow> | undefined {
    const path = this.#transcriptPath;
    if (path && existsSync(path)) return readTranscript(path);
    return this.#rows?.();
  }

  #safely(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.#log.error("wire: a connection failed while receiving frames", { error: (error as Error).message });
    }
  }

  #remember(frames: StreamFrame[]): void {
    this.#window.push(...frames);
    const excess = this.#window.length - this.#windowSize;
    // Trim in batches so a long run does not copy the window on every row.
    if (excess > this.#windowSize >> 3) this.#window = this.#window.slice(excess);
  }

  /**
   * Rows an earlier process wrote (a resumed session): numbers their frames first, from the
   * transcript file. False when they are to be read from the store instead (that takes a while).
   */
  #catchUp(from: number, to: number, frames: StreamFrame[]): boolean {
    const path = this.#transcriptPath;
    if (path && existsSync(path)) {
      readRowsSync(path, from, to, (row) => {
        if (row.seq === this.#sequencer.state.rowSeq + 1) frames.push(...this.#sequencer.push(row));
      });
      return true;
    }
    if (this.#rows) return false;
    this.#log.warn("wire: rows missing before this one and no transcript to read them from", { from, to });
    return true;
  }

  /** `#catchUp` from the store: numbers the earlier rows' frames, then the rows that waited for them. */
  async #catchUpFromStore(from: number, to: number): Promise<void> {
    const generation = this.#generation;
    const frames: StreamFrame[] = [];
    try {
      for await (const row of this.#rows!()) {
        if (generation !== this.#generation || row.seq > to) break;
        if (row.seq >= from && row.seq === this.#sequencer.state.rowSeq + 1) frames.push(...this.#sequencer.push(row));
      }
    } catch (error) {
      this.#log.warn("wire: reading the session's earlier rows from its store failed", { from, to, error: (error as Error).message });
    }
    if (generation !== this.#generation) return;
    if (this.#sequencer.state.rowSeq < to) this.#log.warn("wire: the store holds fewer rows before this one than expected", { from, to });
    const waiting = this.#waiting ?? [];
    this.#waiting = undefined;
    this.#publish(frames);
    // Read once: what is still missing stays missing (as with no transcript at all).
    this.#ingest(waiting, false);
  }
}
