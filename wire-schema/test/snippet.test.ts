import { describe, expect, it } from "vitest";
import { snippet, SNIPPET_MAX, validateEventData } from "../src/index.js";

describe("snippet()", () => {
  it("keeps short single-line text as it is", () => {
    expect(snippet("hello world")).toBe("hello world");
  });

  it("collapses newlines, tabs and runs of spaces into one space and trims", () => {
    expect(snippet("  ## Title\n\n-\titem  one\r\n")).toBe("## Title - item one");
  });

  it("collapses Unicode spaces and line separators as well", () => {
    expect(snippet("a\u00a0b\u2028c\u3000 d")).toBe("a b c d");
    expect(snippet(" single spaces only ")).toBe("single spaces only");
  });

  it("replaces control characters such as ANSI escapes", () => {
    expect(snippet("red\u001b[31m!\u0000end")).toBe("red [31m! end");
  });

  it("cuts long text to exactly 80 characters ending in an ellipsis", () => {
    const out = snippet("word ".repeat(40));
    expect(out.length).toBe(SNIPPET_MAX);
    expect(out.endsWith("…")).toBe(true);
    expect(out).toMatch(/^(word ?)+…$/);
  });

  it("keeps text of exactly 80 characters whole", () => {
    const text = "x".repeat(80);
    expect(snippet(text)).toBe(text);
  });

  it("never splits a surrogate pair", () => {
    const out = snippet("😀".repeat(60));
    expect(out.endsWith("…")).toBe(true);
    expect(out.length).toBeLessThanOrEqual(SNIPPET_MAX);
    expect([...out.slice(0, -1)].every((char) => char === "😀")).toBe(true);
  });

  it("always satisfies the Snippet schema", () => {
    for (const text of ["", "a\nb", "x".repeat(500), "😀".repeat(100), "\u001b".repeat(90), "é".repeat(81)]) {
      const result = validateEventData("llm/idle", { invokeId: "i", turn: 1, ref: "io/x", snippet: snippet(text) });
      expect(result.ok, text).toBe(true);
    }
  });

  it("reads a long text only as far as it needs to, with the same result as collapsing all of it", () => {
    const whole = (text: string): string => {
      const line = text.replace(/[\s\p{Cc}]+/gu, " ").trim();
      if (line.length <= SNIPPET_MAX) return line;
      let cut = "";
      for (const char of line) {
        if (cut.length + char.length > SNIPPET_MAX - 1) break;
        cut += char;
      }
      return `${cut.trimEnd()}…`;
    };
    const texts = [
      "lorem ipsum ".repeat(5_000),
      // The first 320 characters collapse to almost nothing: the rest of the text decides.
      `${" \n\t".repeat(200)}tail words after a long blank stretch`,
      `${"\n".repeat(319)}${"😀".repeat(200)}`,
      `${"a".repeat(319)}😀${"b".repeat(100)}`,
      `short head${" ".repeat(400)}`,
    ];
    for (const text of texts) expect(snippet(text)).toBe(whole(text));
  });

  it("honours a smaller max", () => {
    expect(snippet("abcdefghij", 5)).toBe("abcd…");
  });
});
