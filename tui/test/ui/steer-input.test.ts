import { describe, expect, it } from "bun:test";
import { MAX_STEER_CHARS } from "@escapement/wire-schema";
import { steerPrompt, steerStep } from "../../src/ui/steer-input.ts";
import { displayWidth } from "../../src/ui/text-width.ts";

const key = (name: string, sequence = name, mods: { ctrl?: boolean; meta?: boolean } = {}) => ({
  name,
  sequence,
  ctrl: mods.ctrl ?? false,
  shift: false,
  meta: mods.meta ?? false,
});

describe("typing a message (m)", () => {
  it("characters and spaces build it, Backspace takes the last character back, Ctrl-U empties it", () => {
    let text = "";
    for (const typed of [key("h"), key("i"), key("space", " "), key("😀", "😀")]) {
      const step = steerStep(text, typed);
      expect(step.kind).toBe("edit");
      if (step.kind === "edit") text = step.text;
    }
    expect(text).toBe("hi 😀");
    expect(steerStep(text, key("backspace", "\x7f"))).toEqual({ kind: "edit", text: "hi " });
    expect(steerStep(text, key("u", "\x15", { ctrl: true }))).toEqual({ kind: "edit", text: "" });
  });

  it("Enter sends it without the spaces around it; Esc, or Enter on nothing but spaces, cancels", () => {
    expect(steerStep("  Keep it short ", key("return", "\r"))).toEqual({ kind: "send", text: "Keep it short" });
    expect(steerStep("   ", key("return", "\r"))).toEqual({ kind: "cancel" });
    expect(steerStep("Keep", key("escape", "\x1b"))).toEqual({ kind: "cancel" });
  });

  it("arrows, Ctrl and Alt keys mean nothing; nothing goes past the longest message the core takes", () => {
    expect(steerStep("a", key("up", "\x1b[A"))).toEqual({ kind: "ignore" });
    expect(steerStep("a", key("p", "p", { ctrl: true }))).toEqual({ kind: "ignore" });
    expect(steerStep("a", key("x", "x", { meta: true }))).toEqual({ kind: "ignore" });
    const full = "x".repeat(MAX_STEER_CHARS);
    expect(steerStep(full, key("y"))).toEqual({ kind: "ignore" });
    expect(steerStep(full.slice(1), key("y"))).toEqual({ kind: "edit", text: `${full.slice(1)}y` });
  });

  it("the footer names the conversation; a long message shows its end, where the cursor is", () => {
    expect(steerPrompt("draft", "Keep it short", 80)).toBe("message → draft: Keep it short▏  Enter send · Esc cancel");
    const long = `${"a".repeat(100)} the end`;
    const prompt = steerPrompt("draft", long, 60);
    expect(displayWidth(prompt)).toBeLessThanOrEqual(60);
    expect(prompt).toContain("…");
    expect(prompt).toContain("the end▏");
    // Too narrow for the keys: the text and the cursor stay.
    expect(steerPrompt("draft", long, 30)).toMatch(/^message → draft: …a* the end▏$/);
  });
});
