import { appendFileSync, closeSync, existsSync, openSync, readSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import type { RunChartOptions } from "./run-options.js";
import type { RequestOrigin } from "../llm/protocol.js";
import { parseTranscriptLine } from "../runtime/transcript-reader.js";
import type { Clock } from "../runtime/clock.js";
import type { IdSource } from "../runtime/ids.js";
import { CheckpointStore, parseCheckpointRecord, type CheckpointRecord } from "../runtime/checkpoint-store.js";
import {
  IO_PACK,
  defaultSessionsRoot,
  isResumable,
  locateSession,
  openSessionDir,
  sessionPaths,
  sessionStatuses,
  writeManifest,
  type SessionManifest,
  type SessionPaths,
} from "../runtime/session-dir.js";
import { SessionError } from "../runtime/session-error.js";
import { SecretScrubber } from "../runtime/secret-scrubber.js";
import { diskStore, diskWriter, type SessionStore, type SessionWriter } from "../store/index.js";
import { diskPast, rowsOf, type RowSource, type SessionPast } from "./session-past.js";

/** @internal A session opened for a run: new (empty), or resumed (cut back to its latest checkpoint). */
export interface Prepared {
  /** What the run writes through (its store's writer). */
  writer: SessionWriter;
  /** The session's directory and files when its store keeps one (the disk store); undefined otherwise. */
  paths: SessionPaths | undefined;
  manifest: SessionManifest;
  checkpoint: CheckpointRecord | undefined;
  nextSeq: number;
  offset: number;
  /** Where a resume set aside the rows written after its checkpoint (the dead run's last moments). */
  orphanedRows?: string;
  /** What a resume reads of the session's past; undefined for a new session. */
  past?: SessionPast;
}

/** @internal The run's store: the one given, or session directories under the sessions root. */
export function storeOf(options: RunChartOptions): SessionStore {
  const cwd = options.cwd ?? process.cwd();
  return options.store ?? diskStore({ root: options.sessionsRoot ?? defaultSessionsRoot(cwd), cwd });
}

/** @internal Creates a new session in the run's store, its manifest saying status running. */
export async function prepareNew(options: RunChartOptions, clock: Clock, ids: IdSource): Promise<Prepared> {
  const now = clock.now();
  const sessionId = options.sessionKey
    ? options.sessionKey.slice(options.sessionKey.lastIndexOf("/") + 1)
    : options.sessionDir
      ? basename(resolve(options.sessionDir))
      : ids.sessionId(now);
  const manifest: SessionManifest = {
    sessionId,
    chartId: options.chart.id,
    chartModule: options.chartModule ?? "",
    createdAt: now,
    // The manifest never holds a key, even one passed in as chart input.
    ...(options.input === undefined ? {} : { input: SecretScrubber.of(options.secrets ?? []).scrubJson(options.input) }),
    ...(options.parentSessionId ? { parentSessionId: options.parentSessionId } : {}),
    ...(options.forkedFrom ? { forkedFrom: options.forkedFrom } : {}),
    status: "running",
  };
  const writer = await storeOf(options).create({
    manifest,
    ...(options.sessionDir ? { dir: options.sessionDir } : {}),
    ...(options.sessionKey ? { key: options.sessionKey } : {}),
  });
  return { writer, paths: writer.dir === undefined ? undefined : sessionPaths(writer.dir), manifest, checkpoint: undefined, nextSeq: 1, offset: 0 };
}

/** Finds the session to resume, checks its latest checkpoint still matches its files, and cuts the transcript back to it. */
export function prepareResume(target: string, chartId: string | undefined, cwd: string, sessionsRoot?: string, store?: SessionStore): Prepared {
  if (store && store.kind !== "disk") {
    // Such a session has no directory: it resumes through its store (stored-resume.ts).
    throw new SessionError("session-missing", `a session of the ${store.kind} store has no directory to resume from; resume it through its store`);
  }
  const storeRoot = store && "root" in store && typeof store.root === "string" ? store.root : undefined;
  const root = locateSession(target, storeRoot ?? sessionsRoot ?? defaultSessionsRoot(cwd), cwd);
  const repairHint = `; run \`escapement repair ${root}\``;
  const { paths, manifest } = withRepairHint(() => openSessionDir(root), repairHint);
  if (!sessionStatuses.includes(manifest.status)) {
    throw new SessionError("checkpoint-malformed", `${paths.manifest} has no valid status (${JSON.stringify(manifest.status)})${repairHint}`);
  }
  if (!isResumable(manifest.status)) {
    throw new SessionError("session-finished", `session ${manifest.sessionId} already finished (status ${manifest.status}); nothing to resume`);
  }
  if (chartId !== undefined && chartId !== manifest.chartId) {
    throw new SessionError("chart-mismatch", `session ${manifest.sessionId} ran chart "${manifest.chartId}", not "${chartId}"`);
  }
  const checkpoint = withRepairHint(() => CheckpointStore.load(paths.checkpoints), repairHint);
  const size = existsSync(paths.transcript) ? statSync(paths.transcript).size : 0;
  if (!checkpoint && size > 0) {
    throw new SessionError(
      "checkpoint-missing",
      `session ${manifest.sessionId} has a transcript but no checkpoint in ${paths.checkpoints.journal}${repairHint}`,
    );
  }
  const problem = checkpoint ? resumeProblem(paths, checkpoint) : undefined;
  if (problem) {
    throw new SessionError(
      "session-inconsistent",
      `session ${manifest.sessionId} cannot be resumed from its checkpoint at seq ${checkpoint!.seq}: ${problem}${repairHint}`,
    );
  }
  const seq = checkpoint?.seq ?? 0;
  const offset = checkpoint?.offset ?? 0;
  try {
    // Rows after the checkpoint were never acted on (effects wait for the flush that checkpoints);
    // keep them aside for inspection and cut the transcript back so seq stays gap-free.
    const orphanedRows = size > offset ? setAside(paths, paths.transcript, offset, `orphaned-after-${seq}`, ".jsonl") : undefined;
    // A line torn by the crash (or a full disk) is set aside, so the next append starts a line of its own.
    settleJournal(paths, `orphaned-after-${seq}`);
    setAside(paths, paths.cassette, lastLineEnd(paths.cassette, 0), `orphaned-after-${seq}`, ".cassette.jsonl");
    // Only past what the checkpoint's rows refer to: a blob torn before any row named it.
    setAside(paths, paths.io, lastLineEnd(paths.io, checkpoint?.ioSize ?? 0), `orphaned-after-${seq}`, ".io.jsonl");
    const aside = orphanedRows === undefined ? {} : { orphanedRows };
    const writer = diskWriter(paths, manifest.sessionId);
    const past = diskPast(paths, orphanedRows);
    if (manifest.status === "running") return { writer, paths, manifest, checkpoint, nextSeq: seq + 1, offset, past, ...aside };
    // Interrupted: owned by a run again until it ends.
    const running = runningAgain(manifest);
    writeManifest(paths, running);
    return { writer, paths, manifest: running, checkpoint, nextSeq: seq + 1, offset, past, ...aside };
  } catch (error) {
    // A fault of the machine (a read-only or full disk) keeps its path and code: the CLI says it in one line.
    const errno = error as NodeJS.ErrnoException;
    if (typeof errno.code === "string" && typeof errno.syscall === "string" && typeof errno.path === "string") throw error;
    throw new SessionError("session-io", `session ${manifest.sessionId}: preparing the resume failed: ${(error as Error).message}`);
  }
}

/** The manifest of a session a run owns again until it ends. */
function runningAgain(manifest: SessionManifest): SessionManifest {
  const running: SessionManifest = { ...manifest, status: "running" };
  delete running.endedAt;
  delete running.parked;
  return running;
}

/** `read()`, with the hint appended to a SessionError saying a file is malformed. */
function withRepairHint<T>(read: () => T, hint: string): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof SessionError && error.code === "checkpoint-malformed") throw new SessionError(error.code, `${error.message}${hint}`);
    throw error;
  }
}

/**
 * Why the session's files no longer match `checkpoint`, or undefined when a resume may append to
 * them. The checkpoint's offset must end a line of the transcript, that line must be the row with
 * the checkpoint's seq, a whole row right after it must carry the next seq, and the io pack must
 * still hold what the checkpoint's rows refer to (its recorded size; for a checkpoint that does not
 * record it, every ref of those rows).
 */
export function resumeProblem(paths: SessionPaths, checkpoint: CheckpointRecord): string | undefined {
  const size = existsSync(paths.transcript) ? statSync(paths.transcript).size : 0;
  if (checkpoint.offset <= 0 || checkpoint.seq < 1) return `the checkpoint names no rows (seq ${checkpoint.seq}, offset ${checkpoint.offset})`;
  if (size < checkpoint.offset) return `it points at byte ${checkpoint.offset}, past the end of ${paths.transcript} (${size} bytes)`;
  const fd = openSync(paths.transcript, "r");
  try {
    const last = lineBefore(fd, checkpoint.offset);
    if (last === undefined) return `byte ${checkpoint.offset} of ${paths.transcript} is not the end of a line`;
    const row = parseTranscriptLine(last);
    if (row?.seq !== checkpoint.seq) {
      return `the row ending at byte ${checkpoint.offset} of ${paths.transcript} is ${row ? `seq ${row.seq}` : "not a transcript row"}, not seq ${checkpoint.seq}`;
    }
    // Taken as a failed or aborted run ended: it holds the stopped chart, not a point to continue from.
    const ended = row.event === "runner/done" ? (row.data as { status?: string }).status : undefined;
    if (ended !== undefined && ended !== "done") return `it was written as the run ended (seq ${checkpoint.seq} is runner/done, status ${ended})`;
    const next = size > checkpoint.offset ? lineAt(fd, checkpoint.offset, size) : undefined;
    const nextRow = next === undefined ? undefined : parseTranscriptLine(next);
    if (nextRow && nextRow.seq !== checkpoint.seq + 1) {
      return `the row after byte ${checkpoint.offset} of ${paths.transcript} is seq ${nextRow.seq}, not seq ${checkpoint.seq + 1}`;
    }
  } finally {
    closeSync(fd);
  }
  const ioSize = existsSync(paths.io) ? statSync(paths.io).size : undefined;
  if (checkpoint.ioSize !== undefined) {
    if (checkpoint.ioSize > 0 && ioSize === undefined) return `${paths.io} is missing (the checkpoint's rows refer to ${checkpoint.ioSize} bytes of it)`;
    if (ioSize !== undefined && ioSize < checkpoint.ioSize)
      return `${paths.io} holds ${ioSize} bytes, less than the ${checkpoint.ioSize} the checkpoint's rows refer to`;
    return undefined;
  }
  let needed = 0;
  scanLines(paths.transcript, checkpoint.offset, (line) => {
    for (const ref of ioRefs(line)) needed = Math.max(needed, ref.offset + ref.length);
  });
  if (needed > 0 && ioSize === undefined) return `${paths.io} is missing (the checkpoint's rows refer to ${needed} bytes of it)`;
  if (ioSize !== undefined && ioSize < needed) return `${paths.io} holds ${ioSize} bytes, less than the ${needed} the checkpoint's rows refer to`;
  return undefined;
}

/** Byte ranges of the io pack a transcript line refers to (`"ref":"io.jsonl#offset=..&length=.."` anywhere in it). */
export function ioRefs(line: string): { offset: number; length: number }[] {
  const refs: { offset: number; length: number }[] = [];
  for (const match of line.matchAll(ioRefPattern)) refs.push({ offset: Number(match[1]), length: Number(match[2]) });
  return refs;
}

const ioRefPattern = new RegExp(`"ref":"${IO_PACK.replace(".", "\\.")}#offset=(\\d+)&length=(\\d+)"`, "g");

const NEWLINE = 0x0a;
const chunkBytes = 1 << 16;

/** The line ending with the newline at `end - 1` (without it); undefined when byte `end - 1` is not a newline. */
function lineBefore(fd: number, end: number): string | undefined {
  const lastByte = Buffer.alloc(1);
  readSync(fd, lastByte, 0, 1, end - 1);
  if (lastByte[0] !== NEWLINE) return undefined;
  const parts: Buffer[] = [];
  for (let stop = end - 1; stop > 0;) {
    const start = Math.max(0, stop - chunkBytes);
    const chunk = Buffer.alloc(stop - start);
    readSync(fd, chunk, 0, chunk.length, start);
    const at = chunk.lastIndexOf(NEWLINE);
    if (at !== -1) {
      parts.unshift(chunk.subarray(at + 1));
      break;
    }
    parts.unshift(chunk);
    stop = start;
  }
  return Buffer.concat(parts).toString("utf8");
}

/** The whole line starting at `start`; undefined when the file ends before its newline (a torn line). */
function lineAt(fd: number, start: number, size: number): string | undefined {
  const parts: Buffer[] = [];
  for (let at = start; at < size;) {
    const chunk = Buffer.alloc(Math.min(chunkBytes, size - at));
    readSync(fd, chunk, 0, chunk.length, at);
    const end = chunk.indexOf(NEWLINE);
    if (end !== -1) {
      parts.push(chunk.subarray(0, end));
      return Buffer.concat(parts).toString("utf8");
    }
    parts.push(chunk);
    at += chunk.length;
  }
  return undefined;
}

/**
 * Calls `onLine` for every whole line in the first `end` bytes of a file, with the byte offset just
 * past its newline; returns the offset after the last whole line (a torn last line is not passed).
 * `onLine` returns false to stop early.
 */
export function scanLines(path: string, end: number, onLine: (line: string, endOffset: number) => boolean | void): number {
  const fd = openSync(path, "r");
  try {
    let carry: Buffer[] = [];
    let whole = 0;
    for (let at = 0; at < end;) {
      const chunk = Buffer.alloc(Math.min(chunkBytes, end - at));
      const read = readSync(fd, chunk, 0, chunk.length, at);
      if (read === 0) break;
      let from = 0;
      for (let nl = chunk.indexOf(NEWLINE, 0); nl !== -1 && nl < read; nl = chunk.indexOf(NEWLINE, from)) {
        const text = Buffer.concat([...carry, chunk.subarray(from, nl)]).toString("utf8");
        carry = [];
        whole = at + nl + 1;
        if (onLine(text, whole) === false) return whole;
        from = nl + 1;
      }
      carry.push(chunk.subarray(from, read));
      at += read;
    }
    return whole;
  } finally {
    closeSync(fd);
  }
}

/** The offset just past the file's last newline after `from` (the size when it ends with one; `from` when there is none; 0 for a missing file). */
export function lastLineEnd(path: string, from: number): number {
  const size = statSync(path, { throwIfNoEntry: false })?.size ?? 0;
  if (size === 0 || size <= from) return size;
  const fd = openSync(path, "r");
  try {
    for (let stop = size; stop > from;) {
      const start = Math.max(from, stop - chunkBytes);
      const chunk = Buffer.alloc(stop - start);
      readSync(fd, chunk, 0, chunk.length, start);
      const at = chunk.lastIndexOf(NEWLINE);
      if (at !== -1) return start + at + 1;
      stop = start;
    }
    return from;
  } finally {
    closeSync(fd);
  }
}

/**
 * Leaves the checkpoint journal ending with its last valid record and a newline: a torn or invalid
 * last line is set aside (the next record appended would be glued onto it, and lost with it), and a
 * whole record that only lacks its newline gets one.
 */
function settleJournal(paths: SessionPaths, prefix: string): void {
  const path = paths.checkpoints.journal;
  const size = statSync(path, { throwIfNoEntry: false })?.size ?? 0;
  let end = lastLineEnd(path, 0);
  if (size > end) {
    const fd = openSync(path, "r");
    let tail: string;
    try {
      const bytes = Buffer.alloc(size - end);
      readSync(fd, bytes, 0, bytes.length, end);
      tail = bytes.toString("utf8");
    } finally {
      closeSync(fd);
    }
    if (parseCheckpointRecord(tail)) {
      appendFileSync(path, "\n");
      return;
    }
  }
  if (end > 0) {
    const fd = openSync(path, "r");
    try {
      const line = lineBefore(fd, end)!;
      if (!parseCheckpointRecord(line)) end -= Buffer.byteLength(line) + 1;
    } finally {
      closeSync(fd);
    }
  }
  setAside(paths, path, end, prefix, ".checkpoints.jsonl");
}

/** Moves the bytes of `path` past `keep` into a new file `<prefix><suffix>` at the session root (never over an existing one), then truncates. */
function setAside(paths: SessionPaths, path: string, keep: number, prefix: string, suffix: string): string | undefined {
  const size = statSync(path, { throwIfNoEntry: false })?.size ?? 0;
  if (size <= keep) return undefined;
  const tail = Buffer.alloc(size - keep);
  const fd = openSync(path, "r");
  try {
    readSync(fd, tail, 0, tail.length, keep);
  } finally {
    closeSync(fd);
  }
  const aside = freshName(join(paths.root, prefix), suffix);
  writeFileSync(aside, tail, { flag: "wx" });
  truncateSync(path, keep);
  return aside;
}

/** `<base><suffix>`, or `<base>-2<suffix>`, `-3`, ... when taken. */
export function freshName(base: string, suffix: string): string {
  if (!existsSync(`${base}${suffix}`)) return `${base}${suffix}`;
  for (let n = 2; ; n++) if (!existsSync(`${base}-${n}${suffix}`)) return `${base}-${n}${suffix}`;
}

/**
 * Model calls in a transcript: finished (answered or failed) in order, and those left without an
 * answer. Rows mirrored from child sessions (they carry `childSessionId`) are the children's calls,
 * not this session's. `maxSeq`: only rows up to that seq (what a resume keeps).
 */
export async function callHistory(transcript: RowSource, maxSeq = Infinity): Promise<{ completed: RequestOrigin[]; interrupted: RequestOrigin[] }> {
  const completed: RequestOrigin[] = [];
  const open = new Map<string, RequestOrigin>();
  for await (const row of rowsOf(transcript)) {
    if (row.seq > maxSeq) break;
    const data = row.data as { invokeId?: string; stateId?: string; turn?: number; childSessionId?: string };
    if (data.childSessionId !== undefined) continue;
    if (row.event === "llm/conversation-ended") {
      for (const [key, origin] of open) if (origin.invokeId === data.invokeId) open.delete(key);
      continue;
    }
    if (!data.invokeId || !data.stateId || data.turn === undefined) continue;
    if (isCompactionCall(row.event, row.data)) {
      // A compaction's summary call, answered or failed: its own origin, never one of the turn's.
      completed.push({ invokeId: data.invokeId, stateId: data.stateId, turn: data.turn, purpose: "compaction" });
      continue;
    }
    const origin = { invokeId: data.invokeId, stateId: data.stateId, turn: data.turn };
    const key = `${origin.invokeId}#${origin.turn}`;
    if (row.event === "llm/request") open.set(key, origin);
    else if (row.event === "llm/response" || row.event === "llm/error") {
      open.delete(key);
      completed.push(origin);
    } else if (row.event === "llm/turn-interrupted") open.delete(key);
  }
  return { completed, interrupted: [...open.values()] };
}

/** The row that closes a compaction's summary call: `llm/compacted`, or the notice that it failed. */
const isCompactionCall = (event: string, data: unknown): boolean =>
  event === "llm/compacted" || (event === "runner/notice" && (data as { code?: unknown }).code === "compaction-failed");
