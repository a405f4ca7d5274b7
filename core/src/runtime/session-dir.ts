import { closeSync, existsSync, fstatSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { join, resolve } from "node:path";
import type { CheckpointFiles } from "./checkpoint-store.js";
import { flatString } from "./flat-string.js";
import { SessionError } from "./session-error.js";

/** The session's io pack (full model and tool payloads), relative to the session directory. */
export const IO_PACK = "io.jsonl";

/** Paths inside one session directory (see docs/guide.md, "Session directory"). */
export interface SessionPaths {
  root: string;
  transcript: string;
  manifest: string;
  checkpoints: CheckpointFiles;
  artifacts: string;
  io: string;
  cassette: string;
  log: string;
  wire: string;
}

export const sessionPaths = (root: string): SessionPaths => {
  // Flat: a running session holds these to its end (its writers, stores and services keep them),
  // and each joined path would otherwise be a rope of a dozen strings, ~400 bytes.
  const inRoot = (name: string): string => flatString(join(root, name));
  const io = inRoot(IO_PACK);
  return {
    root,
    transcript: inRoot("transcript.jsonl"),
    manifest: inRoot("session.json"),
    checkpoints: { journal: inRoot("checkpoints.jsonl"), snapshot: inRoot("checkpoint.json"), io },
    artifacts: inRoot("artifacts"),
    io,
    cassette: inRoot("cassette.jsonl"),
    log: inRoot("escapement.log"),
    wire: inRoot("wire.json"),
  };
};

export const defaultSessionsRoot = (cwd: string): string => resolve(cwd, ".escapement");

/** What a session is, written once at creation and updated when the run ends. */
export interface SessionManifest {
  sessionId: string;
  chartId: string;
  /** Absolute path of the chart module, so `--resume` can load it again. */
  chartModule: string;
  createdAt: number;
  input?: unknown;
  parentSessionId?: string;
  /** The session whose cassette this run replayed (and, when it forked, went live from). */
  forkedFrom?: string;
  status: SessionStatus;
  endedAt?: number;
  /** While the status is `parked`: what the session waits on (see `ParkedOn`). */
  parked?: ParkedOn;
}

/**
 * What a parked session waits on: the prompts a person may answer (through the store's inbox),
 * and the time its earliest chart timer is due, on the runner's clock. Either wakes it.
 */
export interface ParkedOn {
  /** The prompts waiting for an answer, by id; empty when only a timer is pending. */
  prompts: string[];
  /** When the earliest pending timer is due (ms since the epoch); absent when no timer is pending. */
  dueAt?: number;
  /** When the session was parked. */
  at: number;
  /** The last inbox entry the run had read: a woken run reads the entries after it. */
  inboxSeq: number;
}

/**
 * running: a run owns the session, or its process died (resumable). interrupted: the run stopped
 * without finishing because the session could not be written (a full disk), or `escapement repair`
 * rebuilt it; resumable once the cause is gone. parked: the run was stopped while it waited only on
 * a person's answer or a distant timer (see `ParkedOn`); an answer or the timer resumes it.
 * done, aborted, error: the run ended; final.
 */
export type SessionStatus = "running" | "interrupted" | "parked" | "done" | "aborted" | "error";

export const sessionStatuses: readonly SessionStatus[] = ["running", "interrupted", "parked", "done", "aborted", "error"];

/** Whether `--resume` may continue a session in this status. */
export const isResumable = (status: SessionStatus): status is "running" | "interrupted" | "parked" =>
  status === "running" || status === "interrupted" || status === "parked";

/** Creates a new session directory; refuses to touch one that already holds a transcript. */
export function createSessionDir(root: string, manifest: SessionManifest): SessionPaths {
  const paths = sessionPaths(root);
  if (existsSync(paths.transcript) || existsSync(paths.manifest)) {
    throw new SessionError("session-exists", `session directory ${root} already holds a session; nothing was changed`);
  }
  // One directory: every file a run writes sits at its root (artifacts/ appears with the first artifact),
  // which matters when a process runs thousands of sessions.
  mkdirSync(paths.root, { recursive: true });
  // Written whole to a temporary file, then linked in place: a process killed mid-write leaves no
  // session.json (a directory a resume treats as never created), never an empty or torn one; and
  // the link is exclusive, so two runs racing for one directory cannot both own it.
  const temp = `${paths.manifest}.tmp`;
  writeFileSync(temp, manifestText(manifest));
  try {
    linkSync(temp, paths.manifest);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") {
      throw new SessionError("session-exists", `session directory ${root} already holds a session; nothing was changed`);
    }
    throw error;
  } finally {
    rmSync(temp, { force: true });
  }
  return paths;
}

export function openSessionDir(root: string): { paths: SessionPaths; manifest: SessionManifest } {
  const paths = sessionPaths(root);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new SessionError("session-missing", `no session directory at ${root}`);
  }
  if (!existsSync(paths.manifest)) {
    throw new SessionError("session-missing", `${root} is not a session directory (no session.json)`);
  }
  const read = () => JSON.parse(readFileSync(paths.manifest, "utf8")) as SessionManifest;
  let manifest: SessionManifest;
  try {
    manifest = read();
  } catch {
    // A run ending this very moment rewrites its manifest in place (see writeManifest): read again.
    try {
      manifest = read();
    } catch (error) {
      throw new SessionError("checkpoint-malformed", `${paths.manifest} is not valid JSON: ${(error as Error).message}`);
    }
  }
  if (typeof manifest !== "object" || manifest === null || Array.isArray(manifest)) {
    throw new SessionError("checkpoint-malformed", `${paths.manifest} is not a session manifest (not a JSON object)`);
  }
  return { paths, manifest };
}

const manifestText = (manifest: SessionManifest): string => `${JSON.stringify(manifest, null, 2)}\n`;

/** A write this size or smaller, at offset 0, is one page: a process that dies cannot leave it half done. */
const pageBytes = 4096;

/**
 * Records the run's end in the manifest. It is rewritten in place when old and new text fit in
 * one page: one write at offset 0, padded to the old length with spaces before the final newline
 * (JSON allows trailing whitespace). That spares a temporary file and a rename per session, which
 * counts when thousands run at once. A larger manifest (a large input) goes through a temporary
 * file and a rename, as a longer write can be cut short.
 */
export function writeManifest(paths: SessionPaths, manifest: SessionManifest): void {
  const text = manifestText(manifest);
  const bytes = Buffer.byteLength(text);
  if (bytes <= pageBytes && rewriteInPlace(paths.manifest, text, bytes)) return;
  const temp = `${paths.manifest}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, paths.manifest);
}

/** False when the file is missing or over one page, so nothing was written. */
function rewriteInPlace(path: string, text: string, bytes: number): boolean {
  let fd: number;
  try {
    fd = openSync(path, "r+");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
  try {
    const size = fstatSync(fd).size;
    if (size > pageBytes) return false;
    writeSync(fd, size > bytes ? `${text.slice(0, -1)}${" ".repeat(size - bytes)}\n` : text, 0);
    return true;
  } finally {
    closeSync(fd);
  }
}

/** A session argument is an id under the sessions root, or a path to a session directory. */
export function locateSession(target: string, root: string, cwd: string): string {
  if (target.trim() === "") throw new SessionError("session-missing", "no session given");
  const byId = join(root, target);
  const byPath = resolve(cwd, target);
  for (const candidate of [byId, byPath]) {
    if (existsSync(sessionPaths(candidate).manifest)) return candidate;
  }
  throw new SessionError("session-missing", `no session "${target}" (looked in ${byId} and ${byPath})`);
}
