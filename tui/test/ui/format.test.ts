import { expect, test } from "bun:test";
import { fit, formatCount, formatElapsed, formatMs, formatOffset, formatRate, tailLines } from "../../src/ui/format.ts";
import { intentOf, nextLaneFilter } from "../../src/ui/key-map.ts";
import { themeFor, PLAIN_THEME, COLOR_THEME } from "../../src/ui/theme.ts";

test("fit cuts with an ellipsis", () => {
  expect(fit("abcdef", 4)).toBe("abc…");
  expect(fit("abc", 4)).toBe("abc");
  expect(fit("abc", 0)).toBe("");
});

test("numbers and durations", () => {
  expect([formatElapsed(4_392), formatElapsed(3_723_000)]).toEqual(["0:04", "1:02:03"]);
  expect(formatOffset(4_392)).toBe("+0:04.3");
  expect([formatCount(950), formatCount(2_596), formatCount(34_400), formatCount(1_500_000)]).toEqual(["950", "2.6k", "34k", "1.5M"]);
  expect([formatRate(undefined), formatRate(0), formatRate(4.25), formatRate(114.3)]).toEqual(["–", "0", "4.3", "114"]);
  expect([formatMs(undefined), formatMs(380), formatMs(1_234), formatMs(12_345)]).toEqual(["–", "380ms", "1.2s", "12s"]);
});

test("tailLines wraps hard and keeps the last lines", () => {
  expect(tailLines("abcdef\n\nxy\n", 4, 3)).toEqual(["ef", "", "xy"]);
  expect(tailLines("", 4, 3)).toEqual([]);
});

test("keys map to intents by context", () => {
  const key = (name: string, extra: Partial<{ sequence: string; ctrl: boolean; shift: boolean }> = {}) => ({
    name,
    sequence: extra.sequence ?? name,
    ctrl: extra.ctrl ?? false,
    shift: extra.shift ?? false,
  });
  expect(intentOf("main", key("c", { ctrl: true }))).toEqual({ kind: "quit" });
  expect(intentOf("prompt", key("c", { ctrl: true, sequence: "\u0003" }))).toEqual({ kind: "quit" });
  expect(intentOf("main", key("c"))).toEqual({ kind: "control", action: "continue" });
  expect(intentOf("main", key("a"))).toEqual({ kind: "control", action: "arm-pause-on-next-external" });
  expect(intentOf("main", key("escape", { sequence: "\u001b" }))).toEqual({ kind: "control", action: "interrupt" });
  expect(intentOf("pager", key("escape", { sequence: "\u001b" }))).toEqual({ kind: "close" });
  expect(intentOf("main", key("/", { sequence: "?", shift: true }))).toEqual({ kind: "toggle-help" });
  // Shift-G arrives as "g" with shift (legacy) or as "G" (kitty): both are what the key types.
  expect(intentOf("main", key("g", { sequence: "G", shift: true }))).toEqual({ kind: "edge", to: "last" });
  expect(intentOf("main", key("G"))).toEqual({ kind: "edge", to: "last" });
  expect(intentOf("main", key("tab", { sequence: "\u001b[Z", shift: true }))).toEqual({ kind: "focus", by: -1 });
  expect(intentOf("main", key("x"))).toBeUndefined();
  // Prompt keys depend on the prompt's kind: j types a "j" into a text prompt.
  expect(intentOf("prompt", key("j"), "select")).toEqual({ kind: "move", by: 1 });
  expect(intentOf("prompt", key("j"), "text")).toBeUndefined();
  expect(intentOf("prompt", key("space", { sequence: " " }), "multi-select")).toEqual({ kind: "toggle" });
  expect(intentOf("prompt", key("y"), "confirm")).toEqual({ kind: "confirm", value: true });
  expect(intentOf("prompt", key("y"), "text")).toBeUndefined();
});

test("the lane filter cycles through each lane and back to all", () => {
  const seen: string[] = [];
  let filter = nextLaneFilter(undefined);
  while (filter) {
    seen.push([...filter].join());
    filter = nextLaneFilter(filter);
  }
  expect(seen).toEqual(["chart", "llm", "tool", "human", "debug", "error"]);
});

test("NO_COLOR turns colour off", () => {
  expect(themeFor({ NO_COLOR: "1" })).toBe(PLAIN_THEME);
  expect(themeFor({ NO_COLOR: "" })).toBe(COLOR_THEME);
  expect(themeFor({})).toBe(COLOR_THEME);
});
