import { existsSync, readFileSync, renameSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { AppendFile } from "./append-file.js";
import { splitLines } from "./read-lines.js";
import { SecretScrubber } from "./secret-scrubber.js";
import { SessionError } from "./session-error.js";
import type { PersistedTimer } from "./delayed-events.js";
import { leaveToDurable, type Durable } from "./durable.js";

/** Everything needed to rebuild the run exactly as it was after transcript row `seq`. */
export interface CheckpointRecord {
  seq: number;
  /** Byte length of the transcript that this state corresponds to. */
  offset: number;
  /**
   * Byte length of the session's io pack when the checkpoint was written: every blob the rows up to
   * `seq` refer to lies within it. Absent in checkpoints written before it was recorded.
   */
  ioSize?: number;
  ts: number;
  /** xstate persisted snapshot of the root actor (conversations and prompts included). */
  state: unknown;
  timers: PersistedTimer[];
}

/** Where a session keeps its checkpoints (see `sessionPaths`). */
export interface CheckpointFiles {
  /** One record per line, appended at every flush that changed the state. */
  journal: string;
  /** The journal compacted into its latest record. */
  snapshot: string;
  /** The session's io pack: when given, each record written notes its size (`ioSize`). */
  io?: string;
}

/**
 * Where records go when they are not files (a session store's checkpoints): `append` gets the
 * record's JSON (scrubbed) and where it stands (its seq and transcript offset, for a store that
 * indexes them), and acknowledges it as `TranscriptSink` does; `ioSize` is the io pack's
 * length now. Such a sink keeps what it likes (a store may keep only the latest); nothing is compacted.
 */
export interface CheckpointSink {
  append(json: string, at: { seq: number; offset: number }): Durable;
  ioSize(): number;
}

export interface CheckpointStoreOptions {
  /** Rewrite the journal into `snapshot.json` once it grows past this many bytes. */
  compactBytes?: number;
  onCompact?: (record: CheckpointRecord) => void;
  /**
   * The run's secrets: no record holds one. A key that reached the chart's state (a tool's output
   * in a conversation's history, a human's answer) is written as `[redacted]`, so a resume
   * continues from the scrubbed state.
   */
  scrubber?: SecretScrubber;
  /**
   * The io pack's size now, when the caller keeps it (the run's `IoStore`): each record notes it
   * without a stat of the pack. Default: the pack's file is stat'ed (`CheckpointFiles.io`).
   */
  ioSize?: () => number;
}

/**
 * An append-only journal of checkpoint records (one JSON line each) plus a compacted
 * snapshot. Appending a line is cheap, so the runner checkpoints at every transcript flush;
 * the latest state is the last complete line, or `snapshot.json` after a compaction.
 */
export class CheckpointStore {
  readonly #sink: CheckpointSink | undefined;
  readonly #journalPath: string;
  /** The journal, held open between appends (undefined with a sink). */
  readonly #journal: AppendFile | undefined;
  readonly #snapshotPath: string;
  readonly #ioPath: string | undefined;
  readonly #ioSize: (() => number) | undefined;
  readonly #compactBytes: number;
  readonly #onCompact: CheckpointStoreOptions["onCompact"];
  readonly #scrubber: SecretScrubber;
  #journalBytes = 0;

  constructor(target: CheckpointFiles | CheckpointSink, options: CheckpointStoreOptions = {}) {
    const files = "journal" in target ? target : undefined;
    this.#sink = files ? undefined : (target as CheckpointSink);
    this.#journalPath = files?.journal ?? "";
    this.#journal = files ? new AppendFile(files.journal) : undefined;
    this.#snapshotPath = files?.snapshot ?? "";
    this.#ioPath = files?.io;
    this.#ioSize = options.ioSize;
    this.#compactBytes = options.compactBytes ?? 8 * 1024 * 1024;
    this.#onCompact = options.onCompact;
    this.#scrubber = options.scrubber ?? SecretScrubber.none;
  }

  /**
   * Appends one record. The journal stays open between appends, within a bound for the whole
   * process (see `AppendFile`): a process running thousands of sessions would otherwise run out of
   * file descriptors.
   */
  write(record: CheckpointRecord): void {
    if (this.#sink) {
      if (record.ioSize === undefined) record = { ...record, ioSize: this.#sink.ioSize() };
      const json = this.#scrubber.scrubJsonText(JSON.stringify(record));
      leaveToDurable(this.#sink.append(json, { seq: record.seq, offset: record.offset }));
      return;
    }
    // The io pack is appended synchronously before a row names a blob, so its size now covers every
    // ref of the rows this record covers; a resume checks the pack still holds that much.
    if (this.#ioPath !== undefined && record.ioSize === undefined) {
      record = { ...record, ioSize: this.#ioSize ? this.#ioSize() : (statSync(this.#ioPath, { throwIfNoEntry: false })?.size ?? 0) };
    }
    const json = this.#scrubber.scrubJsonText(JSON.stringify(record));
    const line = `${json}\n`;
    this.#journalBytes += this.#journal!.append(line);
    if (this.#journalBytes >= this.#compactBytes) this.#compact(record, json);
  }

  #compact(record: CheckpointRecord, json: string): void {
    const temp = `${this.#snapshotPath}.tmp`;
    writeFileSync(temp, json);
    renameSync(temp, this.#snapshotPath);
    // A crash between the rename and the truncate leaves both; `load` picks the higher seq.
    truncateSync(this.#journalPath, 0);
    this.#journalBytes = 0;
    this.#onCompact?.(record);
  }

  /** Gives back the journal's descriptor; a record written after reopens it. */
  close(): void {
    this.#journal?.close();
  }

  /** The latest complete checkpoint, or undefined when none was ever written. */
  static load(files: CheckpointFiles): CheckpointRecord | undefined {
    const { journal: journalPath, snapshot: snapshotPath } = files;
    let best: CheckpointRecord | undefined;
    if (existsSync(snapshotPath)) {
      best = parseCheckpointRecord(readFileSync(snapshotPath, "utf8"));
      if (!best) throw new SessionError("checkpoint-malformed", `${snapshotPath} is not a valid checkpoint`);
    }
    if (existsSync(journalPath)) {
      const lines = splitLines(readFileSync(journalPath, "utf8")).filter((line) => line.length > 0);
      let fromJournal: CheckpointRecord | undefined;
      // Only the last line may be torn (a crash mid-append); anything earlier is corruption.
      for (let index = lines.length - 1; index >= 0 && !fromJournal; index--) {
        fromJournal = parseCheckpointRecord(lines[index]!);
        if (!fromJournal && index < lines.length - 1) {
          throw new SessionError("checkpoint-malformed", `${journalPath} line ${index + 1} is not a valid checkpoint record`);
        }
      }
      if (lines.length > 0 && !fromJournal && !best) {
        throw new SessionError("checkpoint-malformed", `${journalPath} holds no valid checkpoint record`);
      }
      if (fromJournal && (!best || fromJournal.seq >= best.seq)) best = fromJournal;
    }
    return best;
  }
}

/** One checkpoint record from its JSON text (a journal line, the snapshot); undefined when it is not one. */
export function parseCheckpointRecord(text: string): CheckpointRecord | undefined {
  try {
    const value = JSON.parse(text) as Partial<CheckpointRecord>;
    if (!Number.isInteger(value.seq) || !Number.isInteger(value.offset) || typeof value.state !== "object" || !Array.isArray(value.timers)) {
      return undefined;
    }
    if (value.ioSize !== undefined && !Number.isInteger(value.ioSize)) return undefined;
    return value as CheckpointRecord;
  } catch {
    return undefined;
  }
}
