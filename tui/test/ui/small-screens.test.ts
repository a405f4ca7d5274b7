/** How panels share a small terminal, and that every panel's line fits its width in cells. */
import { describe, expect, test } from "bun:test";
import { liveRows, type LogRow } from "../../src/domain/index.ts";
import { helpRows, helpRowText } from "../../src/ui/help-overlay.tsx";
import { inspectorLines, inspectorLineText } from "../../src/ui/inspector-lines.ts";
import { liveParts, separator } from "../../src/ui/live-panel.tsx";
import { liveHeaderText, liveRowText } from "../../src/ui/live-row-text.ts";
import { logRowText } from "../../src/ui/log-pane.tsx";
import { stackRows } from "../../src/ui/pane-rows.ts";
import { optionLine, optionWindow, promptParts } from "../../src/ui/prompt-panel.tsx";
import { displayWidth } from "../../src/ui/text-width.ts";
import { BINDINGS, bindingLabel } from "../../src/ui/key-map.ts";
import { stateOf } from "../support/render.tsx";
import { SAMPLES, tournament } from "./cjk-fixture.ts";

const WIDTHS = [10, 20, 37, 58, 76, 118];

const expectFits = (what: string, text: string, width: number) =>
  expect({ what, text, width, fits: displayWidth(text) <= width }).toEqual({ what, text, width, fits: true });

describe("no line is wider than its panel", () => {
  test("LIVE rows, LOG rows, INSPECTOR lines and the LIVE rule, with CJK and emoji", () => {
    const state = stateOf(tournament(true));
    for (const width of WIDTHS) {
      expectFits("live header", liveHeaderText(width), width);
      for (const row of liveRows(state)) expectFits("live row", liveRowText(row, true, width, 0), width);
      for (const line of inspectorLines(state, 0)) expectFits("inspector", inspectorLineText(line, true, width), width);
      for (const text of SAMPLES) {
        const row: LogRow = { seq: 1, ts: 0, lane: "llm", event: "llm/delta", text };
        expectFits("log row", logRowText(row, 0, width, true), width);
        expectFits("rule", separator(text, width), width);
        expect(displayWidth(separator(text, width))).toBe(width);
        expectFits("option", optionLine(text, { cursor: true, box: true, below: 12 }, width), width);
      }
    }
  });

  test("the help overlay, at every width from 20 to 130, and it lists every binding", () => {
    for (let width = 20; width <= 130; width++) {
      const rows = helpRows(width);
      for (const row of rows) expect({ width, text: helpRowText(row), cells: displayWidth(helpRowText(row)) }).toMatchObject({ width, cells: width });
      const all = rows.map(helpRowText).join("\n");
      for (const binding of BINDINGS) expect({ width, label: all.includes(`${bindingLabel(binding)} `) }).toEqual({ width, label: true });
    }
  });

  test("a long description wraps under itself instead of being cut", () => {
    for (const width of [40, 77, 117]) {
      const rows = helpRows(width).map(helpRowText);
      const flat = rows.join(" ").replace(/\s+/g, " ");
      for (const binding of BINDINGS)
        expect({ width, does: binding.does, shown: flat.includes(binding.does) }).toEqual({ width, does: binding.does, shown: true });
    }
  });
});

describe("small terminals", () => {
  test("with a prompt open, LIVE and LOG keep a row each and the prompt gets two options (60x15: 12 body rows)", () => {
    expect(stackRows(12, 6, 12)).toEqual({ live: 3, prompt: 6, log: 3 });
    // Room to spare: the prompt gets what it wants, LIVE its usual height, LOG the rest.
    expect(stackRows(21, 8, 9)).toEqual({ live: 8, prompt: 9, log: 4 });
    // No prompt: LIVE its usual height, LOG the rest.
    expect(stackRows(12, 6, undefined)).toEqual({ live: 6, prompt: 0, log: 6 });
    // The smallest body: LOG gives way first.
    expect(stackRows(8, 6, 12)).toEqual({ live: 3, prompt: 5, log: 0 });
    for (let body = 8; body <= 60; body++) {
      for (const wanted of [5, 7, 12, 30]) {
        const rows = stackRows(body, Math.max(6, Math.floor(body * 0.42)), wanted);
        expect(rows.live + rows.prompt + rows.log).toBe(body);
        expect(rows.live).toBeGreaterThanOrEqual(3);
      }
    }
  });

  test("LIVE drops its column header, then its rule, but keeps the selected row", () => {
    expect(liveParts(3, 5)).toEqual({ header: false, rows: 1, rule: false, stream: 0 });
    expect(liveParts(4, 5)).toEqual({ header: false, rows: 1, rule: false, stream: 1 });
    expect(liveParts(5, 5)).toEqual({ header: false, rows: 1, rule: true, stream: 1 });
    expect(liveParts(6, 5)).toEqual({ header: true, rows: 1, rule: true, stream: 1 });
    expect(liveParts(10, 2)).toEqual({ header: true, rows: 2, rule: true, stream: 4 });
  });

  test("a prompt drops its spacers, then its message's earlier lines, to show two options", () => {
    expect(promptParts(6, 3, 6)).toEqual({ message: 1, spacers: 0, body: 2 });
    expect(promptParts(12, 1, 3)).toEqual({ message: 1, spacers: 2, body: 6 });
    expect(promptParts(5, 1, 6)).toEqual({ message: 1, spacers: 0, body: 1 });
  });

  test("the option window follows the cursor; its ends say how many are hidden", () => {
    expect(optionWindow(6, 0, 2)).toEqual({ start: 0, end: 2 });
    expect(optionWindow(6, 4, 2)).toEqual({ start: 3, end: 5 });
    expect(optionWindow(3, 2, 5)).toEqual({ start: 0, end: 3 });
    expect(optionLine("蕪村 🌸", { cursor: false, below: 4 }, 20)).toBe("  蕪村 🌸         ↓4");
    expect(optionLine("芭蕉 🐸", { cursor: true, above: 1 }, 20)).toBe("› 芭蕉 🐸         ↑1");
  });
});
