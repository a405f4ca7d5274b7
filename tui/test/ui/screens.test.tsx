/**
 * Every screen at the three sizes users run it at (60x15, 80x24, 120x40), with Japanese text and
 * emoji in every panel: nothing is cut mid-character, words wrap whole, and no line takes more
 * cells than the terminal has (so no border is pushed out of place).
 */
import { afterEach, describe, expect, test } from "bun:test";
import { graphemes } from "../../src/ui/text-width.ts";
import { memoryBlobs, renderApp } from "../support/render.tsx";
import { BLOBS, HAIKU, STREAM, tournament } from "./cjk-fixture.ts";

type Rendered = Awaited<ReturnType<typeof renderApp>>;
let current: Rendered | undefined;
afterEach(() => {
  current?.renderer.destroy();
  current = undefined;
});
const render = async (...args: Parameters<typeof renderApp>) => (current = await renderApp(...args));

const SIZES = [
  { width: 60, height: 15 },
  { width: 80, height: 24 },
  { width: 120, height: 40 },
] as const;

/** Each frame line takes exactly the terminal's width in cells. */
const expectLinesFit = (frame: string, width: number) => {
  const lines = frame.split("\n").filter((l, i, all) => i < all.length - 1 || l !== "");
  for (const line of lines) expect({ line, width: Bun.stringWidth(line) }).toEqual({ line, width });
};

/** Rows between the header and the footer end in a panel's border: nothing pushed it out. */
const expectBordersInPlace = (frame: string) => {
  const rows = frame.split("\n").slice(2, -2);
  for (const row of rows) expect({ row, end: graphemes(row).at(-1) }).toEqual({ row, end: expect.stringMatching(/^[│║┐┘╗╝┤╣]$/) });
};

/** Every word of `text` is on screen: wrapped whole, none cut. */
const expectWords = (frame: string, text: string) => {
  const flat = frame.replace(/[│║]/g, " ");
  for (const word of text.split(/\s+/)) expect({ word, shown: flat.includes(word) }).toEqual({ word, shown: true });
};

describe("screens with CJK and emoji", () => {
  for (const size of SIZES) {
    const at = `${size.width}x${size.height}`;

    test(`main screen at ${at}`, async () => {
      const app = await render(tournament(false), size, { status: { state: "connected" }, blobs: memoryBlobs(BLOBS) });
      const frame = app.captureCharFrame();
      expectLinesFit(frame, size.width);
      expectBordersInPlace(frame);
      expect(frame).toContain("LIVE");
      expect(frame).toContain("LOG");
      expect(frame).toContain("judge");
      expect(frame).toMatchSnapshot();
    });

    test(`help overlay at ${at}`, async () => {
      const app = await render(tournament(false), size, { status: { state: "connected" } });
      await app.keys("?");
      const frame = app.captureCharFrame();
      expectLinesFit(frame, size.width);
      expectBordersInPlace(frame);
      expect(frame).toContain("PANELS");
      expect(frame).toMatchSnapshot();
    });

    test(`select prompt at ${at}`, async () => {
      const app = await render(tournament(true), size, { status: { state: "connected" } });
      const frame = app.captureCharFrame();
      expectLinesFit(frame, size.width);
      expectBordersInPlace(frame);
      // The cursor's option, where it is among all, and that more follow below.
      expect(frame).toContain("› 芭蕉 🐸");
      expect(frame).toContain("1/6 ·");
      // Where the six options do not all fit, the last one shown says how many are below.
      if (size.height < 24) expect(frame).toMatch(/↓\d/);
      // LIVE and LOG stay on screen beside the prompt.
      expect(frame).toContain("LIVE");
      expect(frame).toContain("LOG");
      expect(frame).toMatchSnapshot();
    });

    test(`pager at ${at}`, async () => {
      const app = await render(tournament(false), size, { status: { state: "connected" }, blobs: memoryBlobs(BLOBS) });
      await app.keys("home", "return");
      await app.renderOnce();
      const frame = app.captureCharFrame();
      expectLinesFit(frame, size.width);
      expectBordersInPlace(frame);
      expect(frame).toContain("haiku-1 · turn 1 · response");
      if (size.height >= 24) expect(frame).toContain("結果 🏆");
      expect(frame).not.toContain("## 結果");
      expect(frame).toMatchSnapshot();
    });
  }

  test("LIVE wraps the streaming text at word boundaries with nothing cut (80x24)", async () => {
    const app = await render(tournament(false), { width: 80, height: 24 }, { status: { state: "connected" } });
    expectWords(app.captureCharFrame(), STREAM);
  });

  test("the pager's first frame after the blob is read shows the whole page, CJK table aligned (120x40)", async () => {
    const app = await render(tournament(false), { width: 120, height: 40 }, { status: { state: "connected" }, blobs: memoryBlobs(BLOBS) });
    await app.keys("home", "return");
    // The blob is read asynchronously; the first frame drawn after it shows every block.
    let frame = app.captureCharFrame();
    while (frame.includes("loading")) {
      await Bun.sleep(1);
      await app.renderOnce();
      frame = app.captureCharFrame();
    }
    expectWords(frame, `${HAIKU} keeps going and going well past the end.`);
    expect(frame).toContain("一位: 芭蕉 🐸");
    // Left, centred and right-aligned columns.
    expect(frame).toMatch(/│ 菜の花や 🌼 │\s+3\s+│\s+7 │/);
    expect(frame).toMatch(/│ 古池や\s+│ 12 │ 9\.5 │/);
    expect(frame).toContain('"winner": "芭蕉"');
    expect(frame).toContain('const winner: string = "芭蕉"; // 🐸');
  });
});
