import { describe, expect, it } from "bun:test";
import { rowPrompt, rowStep } from "../../src/ui/row-input.ts";

const key = (name: string, sequence = name, mods: { ctrl?: boolean } = {}) => ({ name, sequence, ctrl: mods.ctrl ?? false, shift: false });

describe("go to row (:)", () => {
  it("digits build the row, Backspace takes one back, Enter goes there", () => {
    let digits = "";
    for (const typed of ["1", "2", "7"]) {
      const step = rowStep(digits, key(typed));
      expect(step.kind).toBe("edit");
      if (step.kind === "edit") digits = step.digits;
    }
    expect(rowPrompt(digits)).toBe(":127▏  Enter go to row · Esc cancel");
    expect(rowStep(digits, key("backspace", "\x7f"))).toEqual({ kind: "edit", digits: "12" });
    expect(rowStep("12", key("return", "\r"))).toEqual({ kind: "go", row: 12 });
  });

  it("letters and Ctrl keys are ignored; Esc, an empty Enter or row 0 cancel", () => {
    expect(rowStep("4", key("a"))).toEqual({ kind: "ignore" });
    expect(rowStep("4", key("u", "\x15", { ctrl: true }))).toEqual({ kind: "ignore" });
    expect(rowStep("4", key("escape", "\x1b"))).toEqual({ kind: "cancel" });
    expect(rowStep("", key("return", "\r"))).toEqual({ kind: "cancel" });
    expect(rowStep("0", key("return", "\r"))).toEqual({ kind: "cancel" });
  });
});
