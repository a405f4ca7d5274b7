import { describe, expect, test } from "bun:test";
import { fit, padEnd, padStart, tailLines } from "../../src/ui/format.ts";
import { cleanText, cutToWidth, displayWidth, graphemes } from "../../src/ui/text-width.ts";
import { wrapText } from "../../src/ui/word-wrap.ts";
import { SAMPLES } from "./cjk-fixture.ts";

describe("display width", () => {
  test("counts cells, not UTF-16 units: wide characters two, joined emoji one grapheme", () => {
    expect(displayWidth("abc")).toBe(3);
    expect(displayWidth("漢字")).toBe(4);
    expect(displayWidth("👩‍⚖️")).toBe(2);
    expect(displayWidth("🇯🇵")).toBe(2);
    expect(displayWidth("e\u0301")).toBe(1);
    expect(graphemes("👩‍⚖️🇯🇵e\u0301")).toEqual(["👩‍⚖️", "🇯🇵", "e\u0301"]);
  });

  test("cutToWidth cuts between graphemes, never through a wide character or a joined emoji", () => {
    expect(cutToWidth("漢字かな", 5)).toBe("漢字");
    expect(cutToWidth("a👩‍⚖️b", 2)).toBe("a");
    expect(cutToWidth("a👩‍⚖️b", 3)).toBe("a👩‍⚖️");
    expect(cutToWidth("abc", 0)).toBe("");
  });

  test("fit and pad by cells: CJK keeps its columns in line", () => {
    expect(fit("abcdef", 4)).toBe("abc…");
    expect(fit("漢字かな交じり", 7)).toBe("漢字か…");
    expect(displayWidth(fit("漢字かな交じり", 6))).toBeLessThanOrEqual(6);
    expect(padEnd("漢字", 6)).toBe("漢字  ");
    expect(padStart("🐸", 4)).toBe("  🐸");
    for (const sample of SAMPLES) for (let w = 1; w <= 40; w++) expect(displayWidth(padEnd(sample, w))).toBe(w);
  });

  test("cleanText expands tabs to the next stop and drops escape sequences and control characters", () => {
    expect(cleanText("a\tb")).toBe("a   b");
    expect(cleanText("漢\tb")).toBe("漢  b");
    expect(cleanText("\u001b[31mred\u001b[0m\r\nnext\u0007")).toBe("red\nnext");
  });
});

describe("word wrap", () => {
  test("breaks at spaces, keeps words whole", () => {
    expect(wrapText("The tournament keeps going and going well past the end", 16)).toEqual(["The tournament", "keeps going and", "going well past", "the end"]);
  });

  test("breaks between CJK characters, which have no spaces", () => {
    expect(wrapText("古池や蛙飛び込む水の音", 8)).toEqual(["古池や蛙", "飛び込む", "水の音"]);
  });

  test("cuts a word longer than a line between graphemes", () => {
    expect(wrapText("ok supercalifragilistic", 8)).toEqual(["ok", "supercal", "ifragili", "stic"]);
    expect(wrapText("👩‍⚖️👩‍⚖️👩‍⚖️", 4)).toEqual(["👩‍⚖️👩‍⚖️", "👩‍⚖️"]);
  });

  test("keeps newlines and blank lines; char mode keeps every space", () => {
    expect(wrapText("a\n\nb", 5)).toEqual(["a", "", "b"]);
    expect(wrapText("  a  b", 3, "char")).toEqual(["  a", "  b"]);
  });

  test("no line is wider than the width, and no character is lost (words mode drops only the spaces it breaks at)", () => {
    for (const sample of SAMPLES) {
      const clean = cleanText(sample);
      for (let width = 1; width <= 50; width++) {
        const lines = wrapText(clean, width);
        for (const line of lines) expect({ sample, width, line, fits: displayWidth(line) <= width }).toEqual({ sample, width, line, fits: true });
        // A wide character cannot be drawn in a line one cell wide at all.
        if (width === 1) continue;
        expect(lines.join("").replace(/ /g, "")).toBe(clean.replace(/ /g, ""));
        expect(wrapText(clean, width, "char").join("")).toBe(clean);
      }
    }
  });

  test("tailLines word-wraps and keeps the last lines", () => {
    expect(tailLines("abcdef\n\nxy\n", 4, 3)).toEqual(["ef", "", "xy"]);
    expect(tailLines("keeps going and going well past the end", 12, 2)).toEqual(["well past", "the end"]);
    expect(tailLines("", 4, 3)).toEqual([]);
  });
});
