/**
 * `escapement repair`: rebuilds a consistent session from its transcript after a crash, a full
 * disk or a hand edit left its files disagreeing. Nothing is deleted: whatever is cut or replaced
 * is moved into `<session>/repair-<time>/` first.
 */
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, readSync, renameSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { freshName, ioRefs, lastLineEnd, resumeProblem, scanLines } from "../engine/run-session.js";
import { CheckpointStore, parseCheckpointRecord, type CheckpointRecord } from "../runtime/checkpoint-store.js";
import { sessionPaths, sessionStatuses, writeManifest, type SessionManifest, type SessionPaths, type SessionStatus } from "../runtime/session-dir.js";
import { SessionError } from "../runtime/session-error.js";
import { parseTranscriptLine } from "../runtime/transcript-reader.js";
import type { TranscriptRow } from "../runtime/transcript-row.js";

export interface RepairReport {
  sessionId: string;
  dir: string;
  /** Whether any file changed. */
  changed: boolean;
  /** The rows kept: 1..keptSeq (0: none). */
  keptSeq: number;
  /** The checkpoint `--resume` starts from now; undefined when it starts the chart over (or the run finished). */
  resumeFrom?: { seq: number; offset: number };
  /** The manifest's status now. */
  status: SessionStatus;
  /** Whether `--resume` will accept the session; when not, `blocker` says why. */
  resumable: boolean;
  blocker?: string;
  /** What was found and done, one sentence each, in order. */
  actions: string[];
  /** Where cut or replaced bytes went; undefined when nothing was moved. */
  asideDir?: string;
}

export interface RepairOptions {
  /** Names the `repair-<time>` folder; default now. */
  now?: number;
}

const NEWLINE = 0x0a;

/** A session argument: an id under the sessions root, or a directory holding session.json or transcript.jsonl. */
export function locateRepairTarget(target: string, root: string, cwd: string): string {
  if (target.trim() === "") throw new SessionError("session-missing", "no session given");
  const candidates = [join(root, target), resolve(cwd, target)];
  for (const dir of candidates) {
    const paths = sessionPaths(dir);
    if (existsSync(dir) && statSync(dir).isDirectory() && (existsSync(paths.manifest) || existsSync(paths.transcript))) return dir;
  }
  throw new SessionError("session-missing", `${target} is not a session (no session.json or transcript.jsonl in ${[...new Set(candidates)].join(" or ")})`);
}

/** Repairs the session in `dir` (see the module comment); synchronous, and safe to run twice. */
export function repairSession(dir: string, options: RepairOptions = {}): RepairReport {
  const paths = sessionPaths(dir);
  const aside = new AsideDir(dir, options.now ?? Date.now());
  const actions: string[] = [];
  const manifestRead = readManifest(paths);

  // Checkpoints first: the transcript scan notes which row ends at each offset they name.
  const journal = readJournal(paths.checkpoints.journal);
  const snapshotText = existsSync(paths.checkpoints.snapshot) ? readFileSync(paths.checkpoints.snapshot, "utf8") : undefined;
  const snapshot = snapshotText === undefined ? undefined : parseCheckpointRecord(snapshotText);
  const wanted = new Set<number>([...journal.flatMap((line) => (line.record ? [line.record.offset] : [])), ...(snapshot ? [snapshot.offset] : [])]);

  // The io pack: only whole lines count; a ref must name the payload of one of them.
  const io = IoPack.open(paths.io);
  try {
    const scan = scanTranscript(paths, io, wanted);
    actions.push(...scan.findings);

    // A run that ended because the session could not be written resumes from before its ending rows.
    const ending = endingOf(scan);
    const limit = ending.kind === "interrupted" ? ending.fromSeq : Infinity;
    const valid = (record: CheckpointRecord): string | undefined => {
      if (record.offset > scan.kept) return "past the kept rows";
      if (scan.seqAt.get(record.offset) !== record.seq) return "not at the end of the row with its seq";
      if (record.seq >= limit) return "written as the run stopped";
      if (record.ioSize !== undefined && record.ioSize > io.wholeSize) return "io.jsonl no longer holds what it records";
      return undefined;
    };

    // Journal: keep the records that still match, in their order; the original goes aside when any is dropped.
    const dropped: string[] = [];
    const kept: { text: string; record: CheckpointRecord }[] = [];
    for (const line of journal) {
      const why = line.record ? valid(line.record) : line.whole && line.text.trim() !== "" ? "not a checkpoint record" : undefined;
      if (why) dropped.push(why);
      else if (line.record) kept.push({ text: line.text, record: line.record });
    }
    const lastLine = journal[journal.length - 1];
    const journalTorn = lastLine !== undefined && !lastLine.whole && !lastLine.record;
    if (dropped.length > 0 || (lastLine !== undefined && !lastLine.whole)) {
      aside.copy(paths.checkpoints.journal, "checkpoints.jsonl");
      const text = kept.map((line) => `${line.text}\n`).join("");
      writeFileSync(`${paths.checkpoints.journal}.tmp`, text);
      renameSync(`${paths.checkpoints.journal}.tmp`, paths.checkpoints.journal);
      const done = [`kept ${kept.length} record(s)`];
      if (dropped.length > 0) done.push(`dropped ${dropped.length} (${summarize(dropped)})`);
      if (journalTorn) done.push("set aside a torn last line");
      else if (!lastLine!.whole) done.push("ended the last record with its newline");
      actions.push(`checkpoints.jsonl: ${done.join("; ")} (the original is kept aside)`);
    }
    let snapshotKept = snapshot;
    if (snapshotText !== undefined) {
      const why = snapshot ? valid(snapshot) : "not a checkpoint record";
      if (why) {
        aside.move(paths.checkpoints.snapshot, "checkpoint.json");
        snapshotKept = undefined;
        actions.push(`checkpoint.json: set aside (${why})`);
      }
    }
    const best = [...kept.map((line) => line.record), ...(snapshotKept ? [snapshotKept] : [])].reduce<CheckpointRecord | undefined>(
      (a, b) => (!a || b.seq >= a.seq ? b : a),
      undefined,
    );

    // Transcript: keep the valid prefix; with no checkpoint left an unfinished run starts over, so no row is kept.
    let keepBytes = scan.kept;
    let keptSeq = scan.keptSeq;
    if (!best && ending.kind !== "finished" && keepBytes > 0) {
      actions.push(`transcript.jsonl: no checkpoint matches rows 1..${keptSeq}, so they were set aside too`);
      keepBytes = 0;
      keptSeq = 0;
    }
    if (scan.size > keepBytes) {
      aside.cut(paths.transcript, keepBytes, "transcript.jsonl");
      actions.push(
        keptSeq > 0
          ? `transcript.jsonl: kept rows 1..${keptSeq} (${keepBytes} bytes), set aside the ${scan.size - keepBytes} bytes after them`
          : `transcript.jsonl: set aside all ${scan.size} bytes`,
      );
    }
    if (io.size > io.wholeSize) {
      aside.cut(paths.io, io.wholeSize, "io.jsonl");
      actions.push(`io.jsonl: set aside a torn last line (${io.size - io.wholeSize} bytes)`);
    }
    const cassetteEnd = wholeLinesEnd(paths.cassette);
    const cassetteSize = statSync(paths.cassette, { throwIfNoEntry: false })?.size ?? 0;
    if (cassetteSize > cassetteEnd) {
      aside.cut(paths.cassette, cassetteEnd, "cassette.jsonl");
      actions.push(`cassette.jsonl: set aside a torn last line (${cassetteSize - cassetteEnd} bytes)`);
    }

    // Manifest: a finished run keeps its final status; anything else is interrupted, so `--resume` may continue it.
    const status: SessionStatus = ending.kind === "finished" ? ending.status : "interrupted";
    const manifest = rebuildManifest(manifestRead, scan.first, dir);
    if (manifestRead.problem) {
      if (existsSync(paths.manifest)) aside.copy(paths.manifest, "session.json");
      actions.push(
        `session.json: ${manifestRead.problem}; rebuilt from the transcript${manifest.chartModule ? "" : " (the chart module is unknown: pass <chart> to `escapement run <chart> --resume`)"}`,
      );
    }
    const manifestChanged = manifestRead.problem !== undefined || manifestRead.manifest?.status !== status;
    if (manifestChanged) {
      const { endedAt, ...rest } = manifest;
      const next: SessionManifest = { ...rest, status, ...(status === "interrupted" || endedAt === undefined ? {} : { endedAt }) };
      if (manifestRead.problem) writeFreshManifest(paths, next);
      else writeManifest(paths, next);
      if (!manifestRead.problem) actions.push(`session.json: status ${status} (was ${manifestRead.manifest?.status})`);
    }

    const changed = aside.used || manifestChanged;
    if (aside.used) aside.writeReport(actions);
    const verdict = verdictOf(paths, status);
    return {
      sessionId: manifest.sessionId,
      dir,
      changed,
      keptSeq,
      ...(verdict.from ? { resumeFrom: verdict.from } : {}),
      status,
      resumable: verdict.blocker === undefined,
      ...(verdict.blocker ? { blocker: verdict.blocker } : {}),
      actions,
      ...(aside.used ? { asideDir: aside.dir } : {}),
    };
  } finally {
    io.close();
  }
}

/** What `--resume` will do with the session as repaired: the checkpoint it starts from, or why it refuses. */
function verdictOf(paths: SessionPaths, status: SessionStatus): { from?: { seq: number; offset: number }; blocker?: string } {
  if (status !== "interrupted") return { blocker: `the run finished (status ${status}); there is nothing to resume` };
  let checkpoint: CheckpointRecord | undefined;
  try {
    checkpoint = CheckpointStore.load(paths.checkpoints);
  } catch (error) {
    return { blocker: (error as Error).message };
  }
  if (!checkpoint) return {};
  const problem = resumeProblem(paths, checkpoint);
  return problem ? { blocker: problem } : { from: { seq: checkpoint.seq, offset: checkpoint.offset } };
}

interface TranscriptScan {
  size: number;
  /** Bytes of the valid prefix, and its last seq. */
  kept: number;
  keptSeq: number;
  /** For the wanted offsets inside the prefix: the seq of the row ending there. */
  seqAt: Map<number, number>;
  first: TranscriptRow | undefined;
  /** The prefix's last rows: its runner/error (if any after the last runner/started) and its last row. */
  lastError: TranscriptRow | undefined;
  last: TranscriptRow | undefined;
  findings: string[];
}

/** The longest prefix of whole rows, seq 1, 2, ... without a gap, whose io refs all name payloads io.jsonl still holds. */
function scanTranscript(paths: SessionPaths, io: IoPack, wanted: ReadonlySet<number>): TranscriptScan {
  const size = statSync(paths.transcript, { throwIfNoEntry: false })?.size ?? 0;
  const scan: TranscriptScan = { size, kept: 0, keptSeq: 0, seqAt: new Map(), first: undefined, lastError: undefined, last: undefined, findings: [] };
  if (size === 0) return scan;
  let stop: string | undefined;
  const wholeEnd = scanLines(paths.transcript, size, (line, end) => {
    const row = parseTranscriptLine(line);
    const expected = scan.keptSeq + 1;
    if (!row) stop = `line ${expected} is not a transcript row`;
    else if (row.seq !== expected) stop = `row ${expected} is missing (the next line holds seq ${row.seq})`;
    else {
      const broken = ioRefs(line).find((ref) => !io.holds(ref));
      if (broken)
        stop = `row ${row.seq} refers to io.jsonl bytes ${broken.offset}..${broken.offset + broken.length}, ${io.exists ? "which hold no payload" : "but io.jsonl is missing"}`;
    }
    if (stop) return false;
    scan.kept = end;
    scan.keptSeq = row!.seq;
    scan.first ??= row;
    if (row!.event === "runner/started") scan.lastError = undefined;
    if (row!.event === "runner/error") scan.lastError = row;
    scan.last = row;
    if (wanted.has(end)) scan.seqAt.set(end, row!.seq);
    return true;
  });
  if (stop) scan.findings.push(`transcript.jsonl: ${stop}`);
  else if (size > wholeEnd) scan.findings.push(`transcript.jsonl: its last line is torn (${size - wholeEnd} bytes)`);
  return scan;
}

type Ending = { kind: "finished"; status: Exclude<SessionStatus, "running" | "interrupted"> } | { kind: "interrupted"; fromSeq: number } | { kind: "open" };

/** How the kept rows end: a finished run, a run stopped because the session could not be written (from which seq), or mid-run. */
function endingOf(scan: TranscriptScan): Ending {
  const last = scan.last;
  if (last?.event !== "runner/done") return { kind: "open" };
  const data = last.data as { status?: string; error?: { category?: string } };
  if (data.error?.category === "session-io") return { kind: "interrupted", fromSeq: scan.lastError?.seq ?? last.seq };
  const status = data.status === "done" || data.status === "aborted" ? data.status : "error";
  return { kind: "finished", status };
}

/** "past the kept rows", or with several reasons "2 past the kept rows, 1 not a checkpoint record" */
const summarize = (reasons: string[]): string => {
  const counts = new Map<string, number>();
  for (const reason of reasons) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  return counts.size === 1 ? reasons[0]! : [...counts].map(([reason, count]) => `${count} ${reason}`).join(", ");
};

interface JournalLine {
  text: string;
  record: CheckpointRecord | undefined;
  /** Whether the line ends with a newline. */
  whole: boolean;
}

function readJournal(path: string): JournalLine[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, "utf8");
  const parts = text.split("\n");
  const torn = parts.pop()!;
  const lines = parts.map((line) => ({ text: line, record: parseCheckpointRecord(line), whole: true }));
  if (torn !== "") lines.push({ text: torn, record: parseCheckpointRecord(torn), whole: false });
  return lines;
}

/** The offset after a file's last newline (0 when missing or without one). */
const wholeLinesEnd = (path: string): number => lastLineEnd(path, 0);

/** The io pack, read for ref checks: a ref is good when it names the payload of a whole line. */
class IoPack {
  private constructor(
    readonly exists: boolean,
    readonly size: number,
    /** Bytes up to and including the last newline. */
    readonly wholeSize: number,
    private readonly fd: number | undefined,
  ) {}

  static open(path: string): IoPack {
    if (!existsSync(path)) return new IoPack(false, 0, 0, undefined);
    return new IoPack(true, statSync(path).size, wholeLinesEnd(path), openSync(path, "r"));
  }

  /** A payload is followed by the line's closing `}` and its newline, and preceded by `"payload":`. */
  holds(ref: { offset: number; length: number }): boolean {
    const end = ref.offset + ref.length;
    if (this.fd === undefined || end + 2 > this.wholeSize || ref.offset < payloadKey.length) return false;
    const after = Buffer.alloc(2);
    readSync(this.fd, after, 0, 2, end);
    if (after[0] !== 0x7d || after[1] !== NEWLINE) return false;
    const before = Buffer.alloc(payloadKey.length);
    readSync(this.fd, before, 0, before.length, ref.offset - before.length);
    return before.equals(payloadKey);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
  }
}

const payloadKey = Buffer.from('"payload":');

/** `<session>/repair-<time>/`, made when the first thing is moved into it. */
class AsideDir {
  readonly dir: string;
  used = false;

  constructor(root: string, now: number) {
    this.dir = freshName(join(root, `repair-${stamp(now)}`), "");
  }

  #target(name: string): string {
    if (!this.used) mkdirSync(this.dir, { recursive: true });
    this.used = true;
    return join(this.dir, name);
  }

  /** Copies the whole file (it is then rewritten in place). */
  copy(path: string, name: string): void {
    copyFileSync(path, this.#target(name));
  }

  move(path: string, name: string): void {
    renameSync(path, this.#target(name));
  }

  /** Saves the bytes of `path` from `keep` on, then truncates it there. */
  cut(path: string, keep: number, name: string): void {
    const size = statSync(path).size;
    const tail = Buffer.alloc(size - keep);
    const fd = openSync(path, "r");
    try {
      readSync(fd, tail, 0, tail.length, keep);
    } finally {
      closeSync(fd);
    }
    writeFileSync(this.#target(name), tail);
    truncateSync(path, keep);
  }

  writeReport(actions: string[]): void {
    writeFileSync(this.#target("repair.txt"), `${actions.join("\n")}\n`);
  }
}

const stamp = (now: number): string => {
  const iso = new Date(now).toISOString();
  return `${iso.slice(0, 10).replaceAll("-", "")}-${iso.slice(11, 19).replaceAll(":", "")}`;
};

interface ManifestRead {
  manifest: SessionManifest | undefined;
  /** Salvaged fields of an unreadable manifest. */
  partial: Partial<SessionManifest>;
  problem?: string;
}

function readManifest(paths: SessionPaths): ManifestRead {
  if (!existsSync(paths.manifest)) return { manifest: undefined, partial: {}, problem: "missing" };
  const text = readFileSync(paths.manifest, "utf8");
  let value: Partial<SessionManifest> | null | undefined;
  let json = true;
  try {
    value = JSON.parse(text) as Partial<SessionManifest> | null;
  } catch {
    json = false;
  }
  if (
    typeof value === "object" &&
    value !== null &&
    typeof value.sessionId === "string" &&
    typeof value.chartId === "string" &&
    typeof value.chartModule === "string" &&
    typeof value.createdAt === "number" &&
    sessionStatuses.includes(value.status as SessionStatus)
  ) {
    return { manifest: value as SessionManifest, partial: value };
  }
  // Fields that can still be read off the text (a torn or overwritten manifest often keeps some).
  const partial: Partial<SessionManifest> = {};
  for (const key of ["sessionId", "chartId", "chartModule", "parentSessionId", "forkedFrom"] as const) {
    const match = new RegExp(`"${key}"\\s*:\\s*("(?:[^"\\\\]|\\\\.)*")`).exec(text);
    if (match) {
      try {
        partial[key] = JSON.parse(match[1]!) as string;
      } catch {
        // not a string after all
      }
    }
  }
  return { manifest: undefined, partial, problem: json ? "not a session manifest" : "not valid JSON" };
}

/** The manifest, with what an unreadable one lost taken from the transcript's first row (runner/started). */
function rebuildManifest(read: ManifestRead, first: TranscriptRow | undefined, dir: string): SessionManifest {
  if (read.manifest) return read.manifest;
  const started =
    first?.event === "runner/started" ? (first.data as { sessionId?: string; chartId?: string; parentSessionId?: string; forkedFrom?: string }) : {};
  const parentSessionId = read.partial.parentSessionId ?? started.parentSessionId;
  const forkedFrom = read.partial.forkedFrom ?? started.forkedFrom;
  return {
    sessionId: read.partial.sessionId ?? started.sessionId ?? basename(dir),
    chartId: read.partial.chartId ?? started.chartId ?? "",
    chartModule: read.partial.chartModule ?? "",
    createdAt: first?.ts ?? 0,
    ...(parentSessionId ? { parentSessionId } : {}),
    ...(forkedFrom ? { forkedFrom } : {}),
    status: "interrupted",
  };
}

/** Replaces an unreadable manifest through a temporary file (its old text was copied aside). */
function writeFreshManifest(paths: SessionPaths, manifest: SessionManifest): void {
  writeFileSync(`${paths.manifest}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(`${paths.manifest}.tmp`, paths.manifest);
}
