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

test("keys map to intents", () => {
  const key = (name: string, extra: Partial<{ sequence: string; ctrl: boolean; shift: boolean }> = {}) =>
    intentOf({ name, sequence: extra.sequence ?? name, ctrl: extra.ctrl ?? false, shift: extra.shift ?? false });
  expect(key("c", { ctrl: true })).toEqual({ kind: "quit" });
  expect(key("c")).toEqual({ kind: "control", action: "continue" });
  expect(key("a")).toEqual({ kind: "control", action: "arm-pause-on-next-external" });
  expect(key("escape", { sequence: "\u001b" })).toEqual({ kind: "escape" });
  expect(key("/", { sequence: "?", shift: true })).toEqual({ kind: "toggle-help" });
  expect(key("g", { sequence: "G", shift: true })).toEqual({ kind: "follow" });
  expect(key("x")).toBeUndefined();
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
