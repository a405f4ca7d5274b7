/**
 * The live lock: `<session-dir>/run.lock` names the process running the session (its pid) while
 * the run is live. The running core writes it when the session opens and removes it at exit. A
 * lock whose process is gone (the core was killed with SIGKILL, the machine went down) is stale:
 * readers ignore it, and the next run of the session replaces it.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const LIVE_LOCK_FILE = "run.lock";

export interface LiveLock {
  /** The process running the session; with `where: "postgres"`, the Postgres backend holding its claim. */
  pid: number;
  /** When the run took the lock (ms since the epoch). */
  since: number;
  /** Set when the run is known only by its claim in a Postgres store (its process may be on another machine). */
  where?: "postgres";
}

/** Whether a process with this id exists (signal 0 checks without sending). */
export type IsAlive = (pid: number) => boolean;

export const processIsAlive: IsAlive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is someone else's.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
};

export const liveLockPath = (sessionDir: string): string => join(sessionDir, LIVE_LOCK_FILE);

/** The lock's content, or undefined when there is none or it is not a lock (a torn write). */
export function parseLiveLock(text: string): LiveLock | undefined {
  try {
    const value = JSON.parse(text) as Partial<LiveLock>;
    if (typeof value?.pid !== "number" || !Number.isSafeInteger(value.pid) || value.pid <= 0) return undefined;
    return { pid: value.pid, since: typeof value.since === "number" ? value.since : 0 };
  } catch {
    return undefined;
  }
}

/** Takes the lock for `pid` (replacing a stale one). */
export function writeLiveLock(sessionDir: string, lock: LiveLock): void {
  writeFileSync(liveLockPath(sessionDir), `${JSON.stringify(lock)}\n`);
}

/** Removes the lock if `pid` holds it; never throws (an exit path must not fail on it). */
export function removeLiveLock(sessionDir: string, pid: number): void {
  try {
    const lock = parseLiveLock(readFileSync(liveLockPath(sessionDir), "utf8"));
    if (lock && lock.pid !== pid) return;
    rmSync(liveLockPath(sessionDir), { force: true });
  } catch {
    // No lock, or a session directory that is gone: nothing to remove.
  }
}

/** The lock of a run that is live now, or undefined (no lock, an unreadable one, or a stale one). */
export function liveRunOf(sessionDir: string, isAlive: IsAlive = processIsAlive): LiveLock | undefined {
  let text: string;
  try {
    text = readFileSync(liveLockPath(sessionDir), "utf8");
  } catch {
    return undefined;
  }
  const lock = parseLiveLock(text);
  return lock && isAlive(lock.pid) ? lock : undefined;
}
