import { describe, expect, test } from "bun:test";
import { blobMarkdown } from "../../src/domain/index.ts";
import { highlightCode } from "../../src/ui/highlight-code.ts";
import { decodeEntities, fitColumns, lineText, markdownBlocks, markdownLines, type StyledLine } from "../../src/ui/markdown-lines.ts";
import { displayWidth } from "../../src/ui/text-width.ts";
import { SAMPLE_BLOBS } from "../support/blobs.ts";

const DOC = [
  "# 結果 &amp; notes 🏆",
  "",
  "The winning haiku **古池や 蛙飛び込む** keeps going and going, see [the rules](https://example.com/rules).",
  "",
  "- 一位 🐸",
  "- [x] counted",
  "  1. nested ordered item that wraps around the line",
  "",
  "> a quoted 引用 line",
  "",
  "| 句 | 票 | 点 |",
  "|:---|:---:|---:|",
  "| 古池や | 12 | 9.5 |",
  "| 菜の花や 🌼 | 3 | 7 |",
  "",
  "```json",
  '{ "winner": "芭蕉", "votes": 12, "tie": false, "note": null }',
  "```",
  "",
  "---",
].join("\n");

const texts = (lines: readonly StyledLine[]) => lines.map(lineText);
const spanOf = (lines: readonly StyledLine[], text: string) => lines.flat().find((s) => s.text.includes(text));

describe("markdown as styled lines", () => {
  test("headings are styled and shown without their marks; entities are decoded", () => {
    const lines = markdownLines(DOC, 60);
    expect(lineText(lines[0] ?? [])).toBe("結果 & notes 🏆");
    expect(spanOf(lines, "結果")).toMatchObject({ role: "heading", bold: true, underline: true });
    expect(markdownLines("## Sub", 20)[0]?.[0]).toMatchObject({ role: "heading", bold: true });
    expect(decodeEntities("&lt;b&gt; &#x1F438; &#39;")).toBe("<b> 🐸 '");
  });

  test("inline emphasis, code and links keep their style; a link shows where it goes", () => {
    const lines = markdownLines(DOC, 200);
    expect(spanOf(lines, "古池や")).toMatchObject({ bold: true });
    expect(spanOf(lines, "the rules")).toMatchObject({ role: "link", href: "https://example.com/rules" });
    expect(texts(lines).join("\n")).toContain("the rules (https://example.com/rules)");
  });

  test("lists, task items and quotes", () => {
    const all = texts(markdownLines(DOC, 40)).join("\n");
    expect(all).toContain("- 一位 🐸");
    expect(all).toContain("- [x] counted");
    expect(all).toMatch(/ {6}1\. nested ordered item/);
    expect(all).toContain("│ a quoted 引用 line");
  });

  test("a table honours each column's alignment, CJK cells included", () => {
    const table = texts(markdownLines(DOC, 60)).filter((l) => l.startsWith("│") || l.startsWith("┌"));
    expect(table).toContain("│ 古池や      │ 12 │ 9.5 │");
    expect(table).toContain("│ 菜の花や 🌼 │ 3  │   7 │");
  });

  test("a table too wide for the width wraps its cells, the widest column first", () => {
    expect(fitColumns([30, 3, 4], 20)).toEqual([13, 3, 4]);
    expect(fitColumns([3, 4], 20)).toEqual([3, 4]);
    const narrow = texts(markdownLines("| a long header cell | b |\n|---|---:|\n| 漢字かな交じり文 and more | 1 |", 20));
    for (const line of narrow) expect(displayWidth(line)).toBeLessThanOrEqual(20);
    expect(narrow.join("\n")).toContain("漢字");
  });

  test("a code block is set on the code background, highlighted, its lines filled to the width", () => {
    const lines = markdownLines(DOC, 50);
    const code = lines.filter((l) => l.some((s) => s.block));
    expect(code.length).toBeGreaterThan(0);
    for (const line of code) {
      expect(line.every((s) => s.block)).toBe(true);
      expect(displayWidth(lineText(line))).toBe(50);
    }
    expect(spanOf(code, '"winner"')).toMatchObject({ role: "property" });
    expect(spanOf(code, '"芭蕉"')).toMatchObject({ role: "string" });
    expect(spanOf(code, "12")).toMatchObject({ role: "number" });
    expect(spanOf(code, "false")).toMatchObject({ role: "literal" });
  });

  test("a code block in a language another highlighter has is left to it, as a block of its own", () => {
    const blocks = markdownBlocks("text\n\n```ts\nconst a = 1;\n```\n\nmore", 40, { externalCode: (lang) => lang === "ts" });
    expect(blocks.map((b) => b.kind)).toEqual(["lines", "code", "lines"]);
    expect(blocks[1]).toMatchObject({ kind: "code", lang: "ts", text: "const a = 1;" });
  });

  test("no line is wider than the width it was laid out for, at any width", () => {
    const response = blobMarkdown(SAMPLE_BLOBS["io/draft-1/2.response.json"] ?? "", { ref: "io/draft-1/2.response.json", title: "t", kind: "response" });
    for (const doc of [DOC, response]) {
      for (let width = 4; width <= 130; width++) {
        for (const line of markdownLines(doc, width)) {
          const text = lineText(line);
          expect({ width, text, fits: displayWidth(text) <= width }).toEqual({ width, text, fits: true });
        }
      }
    }
  });
});

describe("code highlighting", () => {
  test("JSON: keys, strings, numbers, literals", () => {
    const [line] = highlightCode('{"a": "x", "n": -1.5e3, "ok": true}', "json");
    expect(line?.filter((r) => r.role).map((r) => [r.text, r.role])).toEqual([
      ["{", "punctuation"],
      ['"a"', "property"],
      [":", "punctuation"],
      ['"x"', "string"],
      [",", "punctuation"],
      ['"n"', "property"],
      [":", "punctuation"],
      ["-1.5e3", "number"],
      [",", "punctuation"],
      ['"ok"', "property"],
      [":", "punctuation"],
      ["true", "literal"],
      ["}", "punctuation"],
    ]);
  });

  test("comments and keywords by language family; block comments across lines", () => {
    const py = highlightCode("def f(x):  # 関数\n    return None", "python");
    expect(py[0]?.find((r) => r.text === "def")?.role).toBe("keyword");
    expect(py[0]?.at(-1)).toEqual({ text: "# 関数", role: "comment" });
    expect(py[1]?.find((r) => r.text === "None")?.role).toBe("literal");
    const c = highlightCode("/* a\n b */ const x = 'y';", "ts");
    expect(c[0]).toEqual([{ text: "/* a", role: "comment" }]);
    expect(c[1]?.[0]).toEqual({ text: " b */", role: "comment" });
    expect(c[1]?.find((r) => r.text === "const")?.role).toBe("keyword");
  });

  test("an unknown language stays plain", () => {
    expect(highlightCode("if x: 1", "")).toEqual([[{ text: "if x: 1" }]]);
  });
});
