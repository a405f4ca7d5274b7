/** Longest snippet a transcript row carries, in UTF-16 code units (and so also in code points). */
export const SNIPPET_MAX = 80;

const ELLIPSIS = "…";
// Whitespace runs and control characters (ANSI escapes, NUL, ...) collapse to one space so a
// snippet is always one printable line.
const collapsible = /[\s\p{Cc}]+/gu;
// Anything but single spaces to collapse; most texts have none, and then nothing is replaced.
const needsCollapsing = /[^\S ]| {2}|\p{Cc}/u;

/** A short single-line preview of `text`: whitespace collapsed, at most 80 chars, "…" when cut. */
export const snippet = (text: string, max: number = SNIPPET_MAX): string => {
  // A long text (a whole model answer, a file) is cut long before the end: collapse a prefix, and
  // the whole text only when the prefix collapses to too little to fill the snippet.
  const head = text.length > 4 * max ? text.slice(0, 4 * max) : text;
  let line = needsCollapsing.test(head) ? head.replace(collapsible, " ").trim() : head.trim();
  if (head !== text && line.length <= max) line = text.replace(collapsible, " ").trim();
  if (line.length <= max) return line;
  let cut = "";
  for (const char of line) {
    if (cut.length + char.length > max - ELLIPSIS.length) break;
    cut += char;
  }
  return cut.trimEnd() + ELLIPSIS;
};
