/**
 * An immutable append-only log that keeps only its newest rows. Rows live in fixed-size chunks:
 * appending copies at most one chunk, and dropping old rows drops whole chunks, so a push costs
 * O(CHUNK) however long the log is, and every earlier version stays valid and unchanged.
 */

export const CHUNK = 64;

export interface BoundedLog<T> {
  /** Full chunks, oldest first. */
  readonly sealed: readonly (readonly T[])[];
  /** The newest rows, fewer than CHUNK. */
  readonly tail: readonly T[];
  /** Rows dropped from the front so far. */
  readonly dropped: number;
  /** Rows kept once full: at least `capacity`, fewer than `capacity + 2 * CHUNK`. */
  readonly capacity: number;
}

export const emptyLog = <T>(capacity: number): BoundedLog<T> => ({
  sealed: [],
  tail: [],
  dropped: 0,
  capacity: Math.max(1, Math.floor(capacity)),
});

export const logLength = (log: BoundedLog<unknown>): number => log.sealed.length * CHUNK + log.tail.length;

/** Rows ever appended, including dropped ones; the absolute index of the next row. */
export const logTotal = (log: BoundedLog<unknown>): number => log.dropped + logLength(log);

export const logAt = <T>(log: BoundedLog<T>, index: number): T | undefined => {
  if (index < 0) return undefined;
  const chunk = Math.floor(index / CHUNK);
  if (chunk < log.sealed.length) return log.sealed[chunk]?.[index % CHUNK];
  return log.tail[index - log.sealed.length * CHUNK];
};

export const logLast = <T>(log: BoundedLog<T>): T | undefined => logAt(log, logLength(log) - 1);

export const logPush = <T>(log: BoundedLog<T>, row: T): BoundedLog<T> => {
  const tail = [...log.tail, row];
  if (tail.length < CHUNK) return { ...log, tail };
  let sealed = [...log.sealed, tail];
  let dropped = log.dropped;
  while ((sealed.length - 1) * CHUNK >= log.capacity) {
    sealed = sealed.slice(1);
    dropped += CHUNK;
  }
  return { ...log, sealed, tail: [], dropped };
};

/** The log with its newest row replaced (used to merge a run of rows into one). */
export const logReplaceLast = <T>(log: BoundedLog<T>, row: T): BoundedLog<T> => {
  if (log.tail.length > 0) return { ...log, tail: [...log.tail.slice(0, -1), row] };
  const last = log.sealed.at(-1);
  if (!last) return logPush(log, row);
  return { ...log, sealed: [...log.sealed.slice(0, -1), [...last.slice(0, -1), row]] };
};

/** Rows [start, end) in order, clamped to what the log holds. */
export const logSlice = <T>(log: BoundedLog<T>, start: number, end: number): T[] => {
  const from = Math.max(0, start);
  const to = Math.min(logLength(log), end);
  const rows: T[] = [];
  for (let i = from; i < to; i++) rows.push(logAt(log, i) as T);
  return rows;
};
