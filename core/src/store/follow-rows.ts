/**
 * Follows a session's transcript as another process writes it: its rows are handed over in order
 * as they land in the store, until the run ends. A store that can tell when a session changed
 * (`SessionStore.watch`: Postgres NOTIFY) wakes the follower at once; every store is polled as well,
 * so a notification lost with its connection only delays the rows.
 *
 * Only new bytes are read: the transcript from where the follower stopped, plus its last line again,
 * which must still be there unchanged. When it is not, a resume cut the transcript back to a
 * checkpoint (the rows after it set aside, seq numbers written again), and the rows are handed
 * over again from the first (`onReset`).
 */
import { rangeRef } from "@escapement/wire-schema/runtime";
import type { SessionStatus } from "../runtime/session-dir.js";
import { SessionError } from "../runtime/session-error.js";
import type { TranscriptRow } from "../runtime/transcript-row.js";
import type { SessionStore } from "./session-store.js";

const TRANSCRIPT = "transcript.jsonl";

/** A run in one of these is over: nothing more will be written (a `running` or `interrupted` session may still be resumed). */
const ENDED: ReadonlySet<string> = new Set<SessionStatus>(["done", "aborted", "error"]);

export const sessionEnded = (status: SessionStatus): boolean => ENDED.has(status);

export interface FollowRowsOptions {
  /** New rows in order, with their transcript lines as stored (each ends with a newline). */
  onRows: (rows: readonly TranscriptRow[], lines: string) => void;
  /** The transcript was cut back by a resume: the rows come again from the first. */
  onReset?: () => void;
  /** A line that is not a row (skipped). */
  onIssue?: (line: string) => void;
  /**
   * A read of the store failed (a connection lost): given it, the follower tries again at the next
   * poll; without it, `followRows` rejects. A session that is gone (deleted) always rejects.
   */
  onError?: (error: unknown) => void;
  /** Stops following; `followRows` then resolves with undefined. */
  signal?: AbortSignal;
  /** How often the store is read when nothing says it changed. Default 1000 ms. */
  pollMs?: number;
  /** Bytes read at once (a longer line is read in more). Default 1 MiB. */
  readBytes?: number;
  /**
   * The shortest time between two reads, however often the store says the session changed (a busy
   * run commits many times a second; a read sends what was appended, but the store may go through
   * the whole transcript to find it). Default 100 ms.
   */
  minIntervalMs?: number;
}

/** Resolves with the session's final status once its run has ended and every row was handed over; undefined when `signal` stopped it first. */
export async function followRows(store: SessionStore, key: string, options: FollowRowsOptions): Promise<SessionStatus | undefined> {
  const signal = options.signal ?? new AbortController().signal;
  const pollMs = options.pollMs ?? 1000;
  const minIntervalMs = Math.min(options.minIntervalMs ?? 100, pollMs);
  let poked = false;
  let wakeUp: (() => void) | undefined;
  const poke = () => {
    poked = true;
    wakeUp?.();
  };
  // Without a watch (a store that cannot tell, or a connection refused) the polling does it all.
  const unwatch = store.watch ? await store.watch(key, poke).catch(() => undefined) : undefined;
  const reader = transcriptReader(store, key, options);
  try {
    for (let readAt = 0; ;) {
      if (signal.aborted) return undefined;
      const since = Date.now() - readAt;
      if (since < minIntervalMs) await wait(minIntervalMs - since, signal);
      readAt = Date.now();
      poked = false;
      try {
        // The status first: when it says the run ended, the rows read after it are all there are.
        const status = (await store.manifest(key)).status;
        await reader.readNew();
        if (sessionEnded(status)) return status;
      } catch (error) {
        if (!options.onError || (error instanceof SessionError && error.code === "session-missing")) throw error;
        options.onError(error);
      }
      await new Promise<void>((resolve) => {
        if (poked || signal.aborted) return resolve();
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener("abort", done);
          wakeUp = undefined;
          resolve();
        };
        const timer = setTimeout(done, pollMs);
        wakeUp = done;
        signal.addEventListener("abort", done, { once: true });
      });
    }
  } finally {
    await unwatch?.().catch(() => {});
  }
}

const wait = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });

/** Reads what was appended to the transcript since the last call. */
function transcriptReader(store: SessionStore, key: string, options: FollowRowsOptions): { readNew(): Promise<void> } {
  /** Bytes of the transcript handed over (complete lines). */
  let offset = 0;
  /** The last line handed over: read again each time, to see the transcript was not cut back. */
  let lastLine = "";
  let readBytes = options.readBytes ?? 1024 * 1024;

  const reset = () => {
    offset = 0;
    lastLine = "";
    options.onReset?.();
  };

  const readNew = async (): Promise<void> => {
    for (;;) {
      const lastBytes = Buffer.byteLength(lastLine);
      const want = lastBytes + readBytes;
      const text = (await store.blob(key, rangeRef(TRANSCRIPT, offset - lastBytes, want))) ?? "";
      if (!text.startsWith(lastLine)) {
        reset();
        continue;
      }
      // A range that ends inside a character decodes to a replacement character (never in a whole line): so "full" is approximate.
      const full = Buffer.byteLength(text) >= want - 3;
      const fresh = text.slice(lastLine.length);
      const end = fresh.lastIndexOf("\n");
      if (end < 0) {
        // One line longer than a read: read more at once.
        if (!full) return;
        readBytes *= 2;
        continue;
      }
      const lines = fresh.slice(0, end + 1);
      const rows: TranscriptRow[] = [];
      for (const line of lines.slice(0, -1).split("\n")) {
        const row = parseRow(line);
        if (row) rows.push(row);
        else options.onIssue?.(line);
      }
      offset += Buffer.byteLength(lines);
      lastLine = lines.slice(lines.lastIndexOf("\n", lines.length - 2) + 1);
      options.onRows(rows, lines);
      if (!full) return;
    }
  };
  return { readNew };
}

function parseRow(line: string): TranscriptRow | undefined {
  try {
    const value = JSON.parse(line) as Partial<TranscriptRow> | null;
    return value && typeof value === "object" && typeof value.seq === "number" && typeof value.event === "string" ? (value as TranscriptRow) : undefined;
  } catch {
    return undefined;
  }
}
