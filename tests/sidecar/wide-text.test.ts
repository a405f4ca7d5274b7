/**
 * Wide text in a real terminal: a run whose model writes CJK, emoji and long English words, shown
 * by the real sidecar in tmux at 60x15, 80x24 and 120x40. Every line fits the terminal by display
 * width (a CJK character and an emoji take two cells), every panel row ends on its border, no word
 * is cut where the line wraps, and no character is lost.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { eastAsianWidth } from "get-east-asian-width";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { hasTmux, killPanes, openPane, type Pane } from "./tmux.js";

const repo = resolve(import.meta.dirname, "../..");
const work = mkdtempSync(join(tmpdir(), "escapement-wide-"));
const panes: Pane[] = [];

afterEach(() => {
  for (const pane of panes.splice(0)) pane.kill();
});
afterAll(() => {
  killPanes();
  rmSync(work, { recursive: true, force: true });
});

/** The last reply of tests/sidecar/wide-fixture/script.json: LIVE keeps it on screen at the final question. */
const reply =
  "The caravan keeps going well past the river 川を渡って and going 🐪🐪 on through 砂漠の夜 until the 🌙 rises over 東京タワー, long after everyone else stopped counting the miles.";

const graphemes = new Intl.Segmenter("en", { granularity: "grapheme" });

/**
 * Terminal cells a line takes, as tmux counts them (wcwidth): an emoji shown as an emoji takes
 * two, as does a wide or full-width East Asian character; a symbol with text presentation (▶, ⏸)
 * and an ambiguous one take one.
 */
const cellsOf = (line: string): number => {
  let cells = 0;
  for (const { segment } of graphemes.segment(line)) {
    cells += /\p{Emoji_Presentation}|\uFE0F/u.test(segment) ? 2 : eastAsianWidth(segment.codePointAt(0)!);
  }
  return cells;
};

/** A panel's row: it starts on a left border (or corner) and must end on a right one. */
const LEFT = /^[│║┌╔└╚]/;
const RIGHT = /[│║┐╗┘╝]$/;

/** What is wrong with the screen's lines at `width` columns; empty when nothing is. */
function layoutProblems(screen: string, width: number): string[] {
  const problems: string[] = [];
  screen.split("\n").forEach((line, index) => {
    const trimmed = line.trimEnd();
    const cells = cellsOf(trimmed);
    if (cells > width) problems.push(`line ${index + 1} is ${cells} cells wide: ${line}`);
    // The panels span the terminal: a panel's row ends on a border, in the last column.
    if (LEFT.test(trimmed) && (!RIGHT.test(trimmed) || cells !== width))
      problems.push(`line ${index + 1} does not end on its border in column ${width}: ${line}`);
  });
  return problems;
}

/** The text rows of the left-hand panels (LIVE, the prompt, the LOG), without borders, joined. */
const liveText = (screen: string): string =>
  screen
    .split("\n")
    .map((line) => /^[║│]\s?(.*?)\s*[║│]/.exec(line)?.[1]?.trim())
    .filter((text) => text !== undefined)
    .join(" ");

describe.skipIf(!hasTmux)("wide text in a real terminal", () => {
  it.each([
    [60, 15],
    [80, 24],
    [120, 40],
  ])(
    "at %ix%i every line fits, panels keep their borders, words are whole and nothing is lost",
    async (width, height) => {
      const pane = openPane(`wide-${width}`, { cwd: repo, width, height });
      panes.push(pane);
      pane.run(`node core/bin/escapement.mjs run tests/sidecar/wide-fixture --session-dir ${join(work, `s${width}`)}; echo EXIT=$?`);
      await pane.waitForScreen("Who is this run for?", "the name prompt", 30_000);
      pane.type("山田太郎 🎌 さん");
      const prompt = await pane.waitForScreen("山田太郎 🎌 さん", "the typed name, whole");
      expect(layoutProblems(prompt, width)).toEqual([]);
      pane.keys("Enter");

      // The final question comes once both replies are in; the reply stays in LIVE.
      const done = await pane.waitForScreen("Accept 1 steps?", "the confirm after the replies", 30_000);
      expect(layoutProblems(done, width)).toEqual([]);
      expect(done).toContain("LIVE");
      expect(done).toContain("LOG");
      // No word cut at a line end ("goi" / "ng"): every word of the reply the panel shows is whole.
      const shown = liveText(done);
      for (const word of ["caravan", "keeps", "going", "river", "through", "counting"]) {
        if (shown.includes(word.slice(0, 3))) expect(shown.split(/\s+/)).toContain(word);
      }
      // Where the reply shows at all, none of its wide characters is dropped or split.
      for (const wide of ["川を渡って", "🐪🐪", "砂漠の夜", "東京タワー,"]) {
        if (shown.includes(wide[0]!)) expect(shown).toContain(wide);
      }
      // At the larger sizes the whole reply is on the screen.
      if (height >= 24) expect(shown.replace(/\s+/g, " ")).toContain(reply);

      pane.keys("C-c");
      await pane.waitForScreen(/EXIT=\d+/, "the run's end");
    },
    60_000,
  );
});
