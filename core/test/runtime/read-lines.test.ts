/**
 * The line reader every JSONL file (and every text file the fs tools number) goes through: a line
 * ends at "\n" only, whatever the chunking of the bytes, so JSON text holding U+2028 / U+2029 (which
 * `JSON.stringify` leaves unescaped) stays one line.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { LineSplitter, readLineBatches, readLines, splitLines } from "../../src/runtime/read-lines.js";
import { prng } from "../support/prng.js";

const collect = async <T>(source: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
};

/** The definition: split at "\n", drop a "\r" before it, no line after a final "\n". */
const definition = (text: string): string[] => {
  const lines = text.split("\n").map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line));
  if (lines.at(-1) === "") lines.pop();
  return lines;
};

const splitterLines = (chunks: string[]): string[] => {
  const splitter = new LineSplitter();
  const out = chunks.flatMap((chunk) => splitter.push(chunk));
  const last = splitter.end();
  return last === undefined ? out : [...out, last];
};

/** `text` cut into pieces of 1 to `max` units (characters, or bytes of a Buffer). */
const cut = <T extends string | Buffer>(text: T, rand: () => number, max: number): T[] => {
  const pieces: T[] = [];
  for (let at = 0; at < text.length;) {
    const size = 1 + Math.floor(rand() * max);
    pieces.push(text.slice(at, at + size) as T);
    at += size;
  }
  return pieces;
};

const tempFile = (text: string | Buffer): string => {
  const path = join(mkdtempSync(join(tmpdir(), "escapement-lines-")), "file.jsonl");
  writeFileSync(path, text);
  return path;
};

describe("read-lines", () => {
  it("U+2028 and U+2029 are text, not line endings: a JSON row holding them is one line", async () => {
    const row = JSON.stringify({ seq: 1, text: "a\u2028b\u2029c" });
    expect(row).toContain("\u2028");
    const text = `${row}\n${row}\n`;
    expect(splitLines(text)).toEqual([row, row]);
    expect(await collect(readLines(tempFile(text)))).toEqual([row, row]);
    expect(JSON.parse((await collect(readLines(tempFile(text))))[0]!)).toEqual({ seq: 1, text: "a\u2028b\u2029c" });
  });

  it("CRLF ends a line like LF; a lone \\r, a form feed or a vertical tab is text; a last line needs no ending", () => {
    expect(splitLines("a\r\nb\nc")).toEqual(["a", "b", "c"]);
    expect(splitLines("a\rb\n")).toEqual(["a\rb"]);
    expect(splitLines("a\fb\u000bc\u0085d\n")).toEqual(["a\fb\u000bc\u0085d"]);
    expect(splitLines("\n\nx\n")).toEqual(["", "", "x"]);
    expect(splitLines("")).toEqual([]);
    expect(splitLines("a\r")).toEqual(["a"]);
  });

  it("gives the same lines whatever the chunking of the text", () => {
    const rand = prng(7);
    const alphabet = ["a", "{", '"', "\n", "\n", "\r", "\r\n", "\u2028", "\u2029", "é", "😀", " "];
    for (let i = 0; i < 500; i++) {
      const text = Array.from({ length: Math.floor(rand() * 80) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join("");
      const chunks = cut(text, rand, 12);
      if (rand() < 0.2) chunks.splice(Math.floor(rand() * (chunks.length + 1)), 0, "");
      expect(splitterLines(chunks), JSON.stringify(chunks)).toEqual(definition(text));
    }
  });

  it("decodes UTF-8 split anywhere across byte chunks (a stream such as stdin)", async () => {
    const rand = prng(3);
    const alphabet = ["x", "\n", "\r\n", "\u2028", "\u2029", "é", "€", "😀"];
    for (let i = 0; i < 200; i++) {
      const text = Array.from({ length: Math.floor(rand() * 60) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join("");
      const chunks = cut(Buffer.from(text, "utf8"), rand, 5);
      expect(await collect(readLines(Readable.from(chunks))), JSON.stringify(text)).toEqual(definition(text));
    }
  });

  it("reads a file: a line longer than many chunks whole, batches in order, the last line without an ending", async () => {
    const long = JSON.stringify({ text: "\u2028".repeat(300_000) });
    const text = `first\r\n${long}\nlast`;
    const path = tempFile(text);
    expect(await collect(readLines(path))).toEqual(["first", long, "last"]);
    const batches = await collect(readLineBatches(path));
    expect(batches.length).toBeGreaterThan(1);
    expect(batches.flat()).toEqual(["first", long, "last"]);
  });

  it("a missing file and an aborted read throw", async () => {
    await expect(collect(readLines(join(tmpdir(), "escapement-no-such-file.jsonl")))).rejects.toMatchObject({ code: "ENOENT" });
    const controller = new AbortController();
    controller.abort();
    await expect(collect(readLines(tempFile("a\n"), { signal: controller.signal }))).rejects.toMatchObject({ name: "AbortError" });
  });
});
