/**
 * Typing a row number after `:` in a replay: digits add to it, Backspace takes the last one back;
 * Enter seeks to that row (a number past the end means the end), Esc or an empty Enter cancels.
 * Pure: the app keeps the digits.
 */
import type { KeyLike } from "./key-map.ts";

export type RowStep =
  | { readonly kind: "edit"; readonly digits: string }
  | { readonly kind: "go"; readonly row: number }
  | { readonly kind: "cancel" }
  /** A key that means nothing here (a letter, an arrow). */
  | { readonly kind: "ignore" };

/** More digits than a transcript's seq can have. */
const MAX_DIGITS = 12;

export const rowStep = (digits: string, key: KeyLike): RowStep => {
  if (key.name === "return" || key.name === "enter") {
    const row = Number(digits);
    return digits === "" || row < 1 ? { kind: "cancel" } : { kind: "go", row };
  }
  if (key.name === "escape") return { kind: "cancel" };
  if (key.name === "backspace") return { kind: "edit", digits: digits.slice(0, -1) };
  if (key.ctrl || key.meta || !/^[0-9]$/.test(key.sequence)) return { kind: "ignore" };
  return digits.length >= MAX_DIGITS ? { kind: "ignore" } : { kind: "edit", digits: digits + key.sequence };
};

/** The footer while the row is typed. */
export const rowPrompt = (digits: string): string => `:${digits}▏  Enter go to row · Esc cancel`;
