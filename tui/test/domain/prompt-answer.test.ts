import { describe, expect, test } from "bun:test";
import type { Prompt } from "@escapement/wire-schema";
import {
  defaultConfirm,
  defaultOptionIndex,
  defaultOptionSet,
  defaultText,
  multiSelectAnswer,
  progressOf,
  selectAnswer,
  textAnswer,
} from "../../src/domain/index.ts";

const prompt = (extra: Partial<Prompt>): Prompt => ({
  promptId: "p-1",
  invokeId: "ask-1",
  kind: "text",
  message: "?",
  schema: { type: "string" },
  ...extra,
});
const options = [
  { value: "a", label: "Alpha" },
  { value: "b", label: "Beta" },
  { value: "c", label: "Gamma" },
];

describe("prompt answers", () => {
  test("defaults preselect the matching options, text and confirm answer", () => {
    expect(defaultOptionIndex(prompt({ kind: "select", options, default: "b" }))).toBe(1);
    expect(defaultOptionIndex(prompt({ kind: "select", options, default: "zz" }))).toBe(0);
    expect([...defaultOptionSet(prompt({ kind: "multi-select", options, default: ["c", "a"] }))].sort()).toEqual([0, 2]);
    expect(defaultText(prompt({ default: "Ada" }))).toBe("Ada");
    expect(defaultText(prompt({ default: { x: 1 } }))).toBe("");
    expect(defaultConfirm(prompt({ kind: "confirm", default: false }))).toBe(false);
    expect(defaultConfirm(prompt({ kind: "confirm" }))).toBeUndefined();
  });

  test("text is a string, or a number when the schema asks for one", () => {
    expect(textAnswer(prompt({}), "hi")).toEqual({ ok: true, value: "hi" });
    expect(textAnswer(prompt({ schema: { type: "integer" } }), " 42 ")).toEqual({ ok: true, value: 42 });
    expect(textAnswer(prompt({ schema: { type: "integer" } }), "4.5")).toEqual({ ok: false, message: "enter a whole number" });
    expect(textAnswer(prompt({ schema: { type: "number" } }), "x")).toEqual({ ok: false, message: "enter a number" });
    expect(textAnswer(prompt({ schema: { type: "string", minLength: 1 } }), "")).toEqual({ ok: false, message: "enter some text" });
    expect(textAnswer(prompt({ schema: { type: "string", maxLength: 2 } }), "abc")).toEqual({ ok: false, message: "at most 2 characters" });
  });

  test("select answers an option's value; multi-select the chosen values in option order", () => {
    expect(selectAnswer(prompt({ kind: "select", options }), 2)).toEqual({ ok: true, value: "c" });
    expect(selectAnswer(prompt({ kind: "select" }), 0)).toEqual({ ok: false, message: "nothing to choose" });
    expect(multiSelectAnswer(prompt({ kind: "multi-select", options }), new Set([2, 0]))).toEqual({ ok: true, value: ["a", "c"] });
    expect(multiSelectAnswer(prompt({ kind: "multi-select", options, schema: { type: "array", minItems: 1 } }), new Set())).toEqual({
      ok: false,
      message: "choose at least one",
    });
  });

  test("progress is a clamped fraction", () => {
    expect(progressOf(prompt({ kind: "progress", progress: { value: 3, total: 4 } }))).toEqual({ value: 3, total: 4, fraction: 0.75 });
    expect(progressOf(prompt({ kind: "progress" })).fraction).toBe(0);
    expect(progressOf(prompt({ kind: "progress", progress: { value: 9, total: 4 } })).fraction).toBe(1);
  });
});
