/**
 * How many terminal cells text takes: by grapheme, East Asian wide characters and emoji two cells,
 * combining marks and zero-width joiners none. The renderer lays text out the same way, so a line
 * measured here fits the cells it is given.
 */

const graphemeSegmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

// Printable ASCII only: one cell per character, so the length is the width.
const PLAIN_ASCII = /^[\x20-\x7e]*$/;

/** Cells `text` takes in a terminal. */
export const displayWidth = (text: string): number => (PLAIN_ASCII.test(text) ? text.length : Bun.stringWidth(text));

/** The graphemes (user-perceived characters) of `text`. */
export const graphemes = (text: string): string[] => Array.from(graphemeSegmenter.segment(text), (s) => s.segment);

/** The longest start of `text` that fits `width` cells, cut between graphemes. */
export const cutToWidth = (text: string, width: number): string => {
  if (width <= 0) return "";
  if (PLAIN_ASCII.test(text)) return text.slice(0, width);
  let used = 0;
  let end = 0;
  for (const { segment, index } of graphemeSegmenter.segment(text)) {
    const w = Bun.stringWidth(segment);
    if (used + w > width) return text.slice(0, index);
    used += w;
    end = index + segment.length;
  }
  return text.slice(0, end);
};

/** Spaces that bring `text` to `width` cells (none when it is already as wide). */
export const padding = (text: string, width: number): string => " ".repeat(Math.max(0, width - displayWidth(text)));

// C0 and C1 controls other than the newline, and the DEL.
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;
// CSI and OSC escape sequences (colours, titles, links) that tools write for a terminal.
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g;

const expandTabs = (line: string, tab: number): string => {
  if (!line.includes("\t")) return line;
  let out = "";
  for (const [i, part] of line.split("\t").entries()) {
    if (i > 0) out += " ".repeat(tab - (displayWidth(out) % tab));
    out += part;
  }
  return out;
};

/**
 * Text as it can be drawn in cells: tabs as spaces (to the next multiple of `tab` cells), CRLF
 * as a newline, escape sequences and other control characters dropped (they would move the
 * cursor or recolour the screen).
 */
export const cleanText = (text: string, tab = 4): string =>
  text
    .replace(/\r\n?/g, "\n")
    .replace(ESCAPES, "")
    .split("\n")
    .map((line) => expandTabs(line, tab))
    .join("\n")
    .replace(CONTROLS, "");
