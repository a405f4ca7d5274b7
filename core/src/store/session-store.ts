/**
 * The session store: everything a session writes and reads, behind one interface, so a session can
 * live in a directory (the disk store, the default), in memory (tests, embedding), or in a database.
 *
 * Two halves. Reading (`SessionStore`) is asynchronous: listing, a manifest, the transcript's rows,
 * an io blob, the latest checkpoint, artifacts, the cassette, the live lock, and a session's files
 * for export and import. Writing goes through one `SessionWriter` per live run, whose parts are the
 * sinks the runtime's writers take (`TranscriptSink`, `IoSink`, `CheckpointSink`, `ArtifactShelf`,
 * `CassetteSink`).
 *
 * Durable before visible. Every write is acknowledged only when it is durable (`Durable`): a
 * synchronous store by returning, one over a network with a promise that settles once the write
 * would survive the process (and rejects when it cannot be made so); a store makes one writer's
 * writes durable in the order they were made, and once one fails, every later acknowledgement and
 * `durable()` fail too (the runtime leaves most acknowledgements to `durable()`, see `leaveToDurable`). The transcript writer hands rows to its taps
 * (renderers, the wire, public events) and checkpoints only after its sink acknowledged them, and
 * the runner starts an effect (a model call, a tool, a prompt) only once the rows and the
 * checkpoint that recorded it are durable (`SessionWriter.durable()`); so nothing is seen or done
 * that a crash could lose. The transcript's appends are batched (one call per flush, holding every
 * row of the batch), so a store over a network pays one round trip per batch, not per row.
 *
 * Every payload is the text the disk store writes (a JSONL line per row, record or blob), so a
 * session moves between stores unchanged and a ref (`io.jsonl#offset=..&length=..`) means the
 * same in each.
 */
import type { SessionManifest } from "../runtime/session-dir.js";
import type { Durable } from "../runtime/durable.js";
import type { CheckpointFiles, CheckpointRecord, CheckpointSink } from "../runtime/checkpoint-store.js";
import type { IoSink } from "../runtime/io-store.js";
import type { ReadTranscriptOptions } from "../runtime/transcript-reader.js";
import type { TranscriptRow } from "../runtime/transcript-row.js";
import type { TranscriptSink } from "../runtime/transcript-writer.js";
import type { CassetteSink } from "../llm/cassette/cassette-file.js";
import type { ArtifactShelf } from "../templates/artifact-store.js";
import type { IsAlive, LiveLock } from "./live-lock.js";
import type { SessionInbox } from "./session-inbox.js";

/** One file of a session as export and import carry it: its path in the disk layout, and its bytes. */
export interface SessionFile {
  path: string;
  bytes: Uint8Array;
}

/**
 * What a resume cuts from one of a session's files: the bytes past `keep` are dropped, and kept in a
 * new file named `<aside.prefix><aside.suffix>` (or `<prefix>-2<suffix>`, ...) when `aside` is given.
 */
export interface FileCut {
  path: string;
  keep: number;
  aside?: { prefix: string; suffix: string };
}

/** Where a new session goes: its manifest, and for the disk store the exact directory (else `<root>/<sessionId>`). */
export interface CreateSession {
  manifest: SessionManifest;
  /** The disk store's directory for it; other stores ignore it. */
  dir?: string;
  /**
   * Its key in a store without directories, when not its session id: a fleet child's
   * `<parent key>/children/<child id>` (store/child-key.ts). The disk store ignores it.
   */
  key?: string;
}

/**
 * The writing half of one session, held by its live run. Each part is what the runtime's writer of
 * that part takes: a sink, or for the disk store its file (so the disk layout stays exactly what
 * those writers have always written, checkpoint compaction included).
 */
export interface SessionWriter {
  readonly sessionId: string;
  /** Where the session lives, as a person reads it: its directory, or `memory:<id>`. */
  readonly location: string;
  /** The session's directory when it has one (the disk store); undefined otherwise. */
  readonly dir: string | undefined;
  /** `TranscriptWriter`'s target: a sink, or the transcript file. */
  readonly transcript: TranscriptSink | string;
  /** `IoStore`'s target: a sink, or the session directory (its io.jsonl). */
  readonly io: IoSink | string;
  /** `CheckpointStore`'s target: a sink, or the journal and snapshot files. */
  readonly checkpoints: CheckpointSink | CheckpointFiles;
  /** `ArtifactStore`'s target: a shelf, or the session directory (its artifacts/). */
  readonly artifacts: ArtifactShelf | string;
  /** `CassetteWriter`'s target: a sink, or the cassette file. */
  readonly cassette: CassetteSink | string;
  /** Replaces the manifest (the run's end, a resume); acknowledged as the sinks' writes are. */
  writeManifest(manifest: SessionManifest): Durable;
  /**
   * Settles once every write made so far through this writer is durable; nothing when all are
   * already (a synchronous store). Writes are made durable in the order they were made.
   */
  durable(): Durable;
  /** Takes the live lock for this process (replacing a stale one). */
  lock(lock: LiveLock): Durable;
  /** Drops the live lock if `pid` holds it; never fails (an exit path must not fail on it). */
  unlock(pid: number): Durable;
}

export interface SessionStore {
  /** `disk`, `memory`, ...: what `--store` names it. */
  readonly kind: string;
  /** Where sessions live, for messages (a directory, `memory`). */
  readonly where: string;
  /**
   * What people send the store's sessions from outside their runs (answers, debugger control);
   * absent when the store keeps none (the disk store).
   */
  readonly inbox?: SessionInbox;
  /**
   * Creates a session; refuses one that exists (`SessionError` session-exists) and changes nothing
   * then. The session exists once this settles (the disk store makes its directory before it returns).
   */
  create(request: CreateSession): Promise<SessionWriter>;
  /**
   * Opens an existing session for a resumed run: cuts its files back as `cuts` say, writes
   * `manifest`, and returns the writer the run appends through (after what was kept). The cuts and
   * the manifest are durable once this settles; a store with transactions makes them in one, so a
   * process killed meanwhile leaves the session as it was, or cut back whole.
   */
  reopen(key: string, cuts: readonly FileCut[], manifest: SessionManifest): Promise<SessionWriter>;
  /**
   * The session a user names (an id, or for the disk store a directory too), as the key the other
   * methods take (the memory store's is the id, the disk store's the directory); `SessionError`
   * session-missing when there is none.
   */
  locate(target: string): Promise<string>;
  /** Where a session lives, as `SessionWriter.location` says it. */
  location(key: string): string;
  /** The directory a new session with this id gets, for a store that keeps directories (disk); undefined otherwise. */
  dirOf(sessionId: string): string | undefined;
  /** Keys of every session, in no particular order; fleet children are not among them (see `children`). */
  list(): Promise<string[]>;
  /** The child session ids (a fleet's `<fleetId>-<n>`) the session holds, sorted. */
  children(key: string): Promise<string[]>;
  manifest(key: string): Promise<SessionManifest>;
  /** The transcript's rows in order; a line that is not a row is reported to `onIssue` and skipped. */
  rows(key: string, options?: ReadTranscriptOptions): AsyncIterable<TranscriptRow>;
  /** What an io ref names (a blob's JSON text); undefined when the session holds no such blob. */
  blob(key: string, ref: string): Promise<string | undefined>;
  /** The latest checkpoint; undefined when none was written. */
  checkpoint(key: string): Promise<CheckpointRecord | undefined>;
  /** Names of the session's artifacts, sorted. */
  artifacts(key: string): Promise<string[]>;
  artifact(key: string, name: string): Promise<Uint8Array | undefined>;
  /** The cassette's text (JSONL); undefined when the run recorded none. */
  cassette(key: string): Promise<string | undefined>;
  /** The lock of a run live now, or undefined (none, or its process is gone). */
  liveRun(key: string, isAlive?: IsAlive): Promise<LiveLock | undefined>;
  /**
   * The session as files, in the disk store's layout, sorted by path: what an export carries. The
   * live lock and the wire token (`wire.json`) are never among them.
   */
  files(key: string): AsyncIterable<SessionFile>;
  /** Creates a session from files (an import); refuses an existing one (session-exists) and changes nothing then. Returns its key. */
  put(manifest: SessionManifest, files: readonly SessionFile[]): Promise<string>;
  delete(key: string): Promise<void>;
  /** Releases what the store holds (connections); a disk or memory store holds nothing. */
  close(): Promise<void>;
  /**
   * Calls `onChange` soon after the session's transcript or manifest changed (rows appended, the
   * run's end), for a reader following it live; resolves with the function that stops watching.
   * Absent when the store cannot tell: a follower polls then. A hint only: a change may be told
   * twice, or (a connection lost) not at all, so a follower polls as well.
   */
  watch?(key: string, onChange: () => void): Promise<() => Promise<void>>;
}
