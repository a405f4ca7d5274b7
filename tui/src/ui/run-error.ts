/** A failed run's error, whole, for the footer: it wraps over as many lines as it needs (up to a limit). */
import type { ViewState } from "../domain/index.ts";

export const runErrorText = (state: ViewState): string | undefined => {
  const error = state.finished?.error;
  return error ? `✗ run ${state.finished?.status}: ${error.category}: ${error.message}` : undefined;
};

/** Rows `text` takes when word-wrapped at `width` columns, at most `max`. */
export const wrappedRows = (text: string, width: number, max: number): number => {
  const columns = Math.max(1, width);
  let rows = 0;
  for (const line of text.split("\n")) {
    let used = 0;
    rows++;
    for (const word of line.split(" ")) {
      const length = [...word].length;
      if (used === 0) used = length;
      else if (used + 1 + length <= columns) used += 1 + length;
      else {
        rows++;
        used = length;
      }
      // A word longer than a line breaks across lines.
      for (; used > columns; used -= columns) rows++;
    }
  }
  return Math.min(max, rows);
};
