/**
 * Wrapping text to a width in cells. Word wrap breaks at spaces, and anywhere between wide (CJK)
 * characters, which have no spaces between words; a word longer than a line is cut between
 * graphemes. Char wrap (for code) cuts between any graphemes and keeps every space. Widths are
 * display widths (see text-width.ts), so no line ever takes more cells than it is given.
 */
import { displayWidth, graphemes } from "./text-width.ts";

export type WrapMode = "word" | "char";

/** A run of text with whatever style it carries; wrapping keeps each run's other fields. */
export interface TextRun {
  readonly text: string;
}

interface Unit<S extends TextRun> {
  readonly run: S;
  readonly text: string;
  readonly width: number;
  readonly space: boolean;
}

const PLAIN_ASCII = /^[\x21-\x7e]*$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** A word as units: narrow graphemes stay together, each wide grapheme stands alone (a break may come before or after it). */
const wordUnits = <S extends TextRun>(run: S, word: string): Unit<S>[] => {
  if (PLAIN_ASCII.test(word)) return [{ run, text: word, width: word.length, space: false }];
  const units: Unit<S>[] = [];
  let narrow = "";
  for (const g of graphemes(word)) {
    const w = displayWidth(g);
    if (w < 2) {
      narrow += g;
      continue;
    }
    if (narrow) units.push({ run, text: narrow, width: displayWidth(narrow), space: false });
    narrow = "";
    units.push({ run, text: g, width: w, space: false });
  }
  if (narrow) units.push({ run, text: narrow, width: displayWidth(narrow), space: false });
  return units;
};

const unitsOf = <S extends TextRun>(runs: readonly S[]): Unit<S>[] =>
  runs.flatMap((run) =>
    run.text
      .split(/( +)/)
      .filter((part) => part !== "")
      .flatMap((part) => (part.startsWith(" ") ? [{ run, text: part, width: part.length, space: true }] : wordUnits(run, part))),
  );

/** Units that must stay on one line: a space, a wide grapheme, or narrow units with nothing between them. */
const chunksOf = <S extends TextRun>(units: readonly Unit<S>[]): Unit<S>[][] => {
  const chunks: Unit<S>[][] = [];
  let open: Unit<S>[] | undefined;
  for (const unit of units) {
    const glued = !unit.space && unit.width < 2 && open !== undefined;
    if (glued) {
      open?.push(unit);
      continue;
    }
    const chunk = [unit];
    chunks.push(chunk);
    open = !unit.space && unit.width < 2 ? chunk : undefined;
  }
  return chunks;
};

/** A unit cut into single graphemes (for a word longer than the line, or char wrap). */
const graphemeUnits = <S extends TextRun>(unit: Unit<S>): Unit<S>[] =>
  (PRINTABLE_ASCII.test(unit.text) ? unit.text.split("") : graphemes(unit.text)).map((g) => ({
    run: unit.run,
    text: g,
    width: displayWidth(g),
    space: unit.space,
  }));

/** A wide grapheme on a line one cell wide is shown as "…": it cannot be drawn there at all. */
const narrowed = <S extends TextRun>(unit: Unit<S>, width: number): Unit<S> => (unit.width > width ? { ...unit, text: "…", width: 1 } : unit);

/** Joins neighbouring units of the same run back into runs. */
const runsOf = <S extends TextRun>(units: readonly Unit<S>[]): S[] => {
  const runs: S[] = [];
  let last: Unit<S> | undefined;
  for (const unit of units) {
    if (last && last.run === unit.run) runs[runs.length - 1] = { ...unit.run, text: (runs.at(-1) as S).text + unit.text };
    else runs.push({ ...unit.run, text: unit.text });
    last = unit;
  }
  return runs;
};

const trimEnd = <S extends TextRun>(line: Unit<S>[]): Unit<S>[] => {
  let end = line.length;
  while (end > 0 && line[end - 1]?.space) end--;
  return line.slice(0, end);
};

const wrapLogicalLine = <S extends TextRun>(runs: readonly S[], width: number, mode: WrapMode): Unit<S>[][] => {
  const units = unitsOf(runs);
  const lines: Unit<S>[][] = [];
  let line: Unit<S>[] = [];
  let used = 0;
  const breakLine = () => {
    lines.push(mode === "word" ? trimEnd(line) : line);
    line = [];
    used = 0;
  };
  const place = (wide: Unit<S>) => {
    const unit = narrowed(wide, width);
    if (used + unit.width > width && line.length > 0) breakLine();
    // A space that lands at the start of a wrapped line is where the break went.
    if (mode === "word" && unit.space && line.length === 0 && lines.length > 0) return;
    line.push(unit);
    used += unit.width;
  };
  const chunks = mode === "char" ? units.flatMap(graphemeUnits).map((u) => [u]) : chunksOf(units);
  for (const chunk of chunks) {
    const chunkWidth = chunk.reduce((n, u) => n + u.width, 0);
    if (chunk[0]?.space && mode === "word") {
      // Spaces wider than what is left end the line; they are not carried over.
      if (used + chunkWidth > width) {
        if (line.length > 0) breakLine();
        else if (lines.length > 0) continue;
        for (const u of graphemeUnits(chunk[0])) place(u);
        continue;
      }
      place(chunk[0]);
      continue;
    }
    if (used + chunkWidth <= width) {
      for (const u of chunk) {
        line.push(u);
        used += u.width;
      }
      continue;
    }
    if (chunkWidth <= width) {
      breakLine();
      for (const u of chunk) {
        line.push(u);
        used += u.width;
      }
      continue;
    }
    // Longer than a whole line: cut between graphemes, starting on a fresh line.
    if (line.length > 0 && mode === "word") breakLine();
    for (const u of chunk.flatMap(graphemeUnits)) place(u);
  }
  lines.push(mode === "word" ? trimEnd(line) : line);
  return lines;
};

/** Splits runs at their newlines into logical lines. */
const logicalLines = <S extends TextRun>(runs: readonly S[]): S[][] => {
  const lines: S[][] = [[]];
  for (const run of runs) {
    run.text.split("\n").forEach((part, i) => {
      if (i > 0) lines.push([]);
      if (part !== "") lines.at(-1)?.push({ ...run, text: part });
    });
  }
  return lines;
};

/**
 * `runs` wrapped to lines of at most `width` cells, each line a list of runs (an empty line is
 * an empty list). Newlines in the text end lines.
 */
export const wrapRuns = <S extends TextRun>(runs: readonly S[], width: number, mode: WrapMode = "word"): S[][] => {
  if (width <= 0) return [];
  return logicalLines(runs).flatMap((line) => (line.length === 0 ? [[]] : wrapLogicalLine(line, width, mode).map(runsOf)));
};

/** Plain text wrapped to lines of at most `width` cells. */
export const wrapText = (text: string, width: number, mode: WrapMode = "word"): string[] =>
  wrapRuns([{ text }], width, mode).map((line) => line.map((r) => r.text).join(""));
