/** Longest snippet a transcript row carries, in UTF-16 code units (and so also in code points). */
export const SNIPPET_MAX = 80;

const ELLIPSIS = "…";
// Whitespace runs and control characters (ANSI escapes, NUL, ...) collapse to one space so a
// snippet is always one printable line.
const collapsible = /[\s\p{Cc}]+/gu;

/** A short single-line preview of `text`: whitespace collapsed, at most 80 chars, "…" when cut. */
export const snippet = (text: string, max: number = SNIPPET_MAX): string => {
  const line = text.replace(collapsible, " ").trim();
  if (line.length <= max) return line;
  let cut = "";
  for (const char of line) {
    if (cut.length + char.length > max - ELLIPSIS.length) break;
    cut += char;
  }
  return cut.trimEnd() + ELLIPSIS;
};
