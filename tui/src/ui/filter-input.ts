/**
 * Typing the LOG filter after `/`: printable keys add to it, Backspace takes the last character
 * back, Ctrl-U empties it; Enter applies it (an empty filter shows every row), Esc clears it.
 * Pure: the app keeps the text.
 */
import type { KeyLike } from "./key-map.ts";

export type FilterStep =
  | { readonly kind: "edit"; readonly text: string }
  | { readonly kind: "apply"; readonly text: string }
  | { readonly kind: "clear" }
  /** A key that means nothing here (an arrow, a function key). */
  | { readonly kind: "ignore" };

/** Longest filter kept: a LOG line is at most this long anyway. */
export const FILTER_MAX = 160;

const printable = /^[^\p{Cc}]+$/u;

export const filterStep = (text: string, key: KeyLike): FilterStep => {
  if (key.name === "return" || key.name === "enter") return text === "" ? { kind: "clear" } : { kind: "apply", text };
  if (key.name === "escape") return { kind: "clear" };
  if (key.name === "backspace") return { kind: "edit", text: [...text].slice(0, -1).join("") };
  if (key.ctrl && key.name === "u") return { kind: "edit", text: "" };
  if (key.ctrl || key.meta) return { kind: "ignore" };
  const typed = key.name === "space" ? " " : key.sequence;
  if (typed === "" || !printable.test(typed)) return { kind: "ignore" };
  return { kind: "edit", text: [...(text + typed)].slice(0, FILTER_MAX).join("") };
};

/** The footer while the filter is typed. */
export const filterPrompt = (text: string): string => `/${text}▏  Enter apply · Esc clear`;
