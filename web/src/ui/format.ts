/** Small formatting helpers for the page. */

/** Elapsed milliseconds as m:ss (h:mm:ss past an hour). */
export const clock = (ms: number): string => {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
};

/** A row's time relative to the run's start: +m:ss. */
export const offset = (ts: number, startedTs: number | undefined): string => `+${clock(ts - (startedTs ?? ts))}`;
