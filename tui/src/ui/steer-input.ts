/**
 * Typing a message for the selected conversation after `m`: printable keys add to it, Backspace
 * takes the last character back, Ctrl-U empties it; Enter sends it (an empty message sends
 * nothing), Esc drops it. Pure: the app keeps the text.
 */
import { MAX_STEER_CHARS } from "@escapement/wire-schema";
import type { KeyLike } from "./key-map.ts";
import { displayWidth, graphemes } from "./text-width.ts";

export type SteerStep =
  | { readonly kind: "edit"; readonly text: string }
  | { readonly kind: "send"; readonly text: string }
  | { readonly kind: "cancel" }
  /** A key that means nothing here (an arrow, a function key), or one past the longest message. */
  | { readonly kind: "ignore" };

const printable = /^[^\p{Cc}]+$/u;

export const steerStep = (text: string, key: KeyLike): SteerStep => {
  if (key.name === "return" || key.name === "enter") {
    // Spaces around the message are typing, not meaning.
    const message = text.trim();
    return message === "" ? { kind: "cancel" } : { kind: "send", text: message };
  }
  if (key.name === "escape") return { kind: "cancel" };
  if (key.name === "backspace") return { kind: "edit", text: graphemes(text).slice(0, -1).join("") };
  if (key.ctrl && key.name === "u") return { kind: "edit", text: "" };
  if (key.ctrl || key.meta) return { kind: "ignore" };
  const typed = key.name === "space" ? " " : key.sequence;
  if (typed === "" || !printable.test(typed)) return { kind: "ignore" };
  // The core takes at most MAX_STEER_CHARS (UTF-16 units): a longer message is refused whole.
  return text.length + typed.length > MAX_STEER_CHARS ? { kind: "ignore" } : { kind: "edit", text: text + typed };
};

/** The end of `text` that fits `width` cells, with "…" before it when its start is cut. */
const tailToWidth = (text: string, width: number): string => {
  if (displayWidth(text) <= width) return text;
  const kept: string[] = [];
  let used = 1;
  for (const grapheme of graphemes(text).reverse()) {
    const cells = displayWidth(grapheme);
    if (used + cells > width) break;
    kept.unshift(grapheme);
    used += cells;
  }
  return `…${kept.join("")}`;
};

const KEYS_HINT = "▏  Enter send · Esc cancel";

/** The footer while the message is typed, `width` cells wide: the end of a long message stays in view. */
export const steerPrompt = (conversation: string, text: string, width: number): string => {
  const head = `message → ${conversation}: `;
  const room = width - displayWidth(head) - displayWidth(KEYS_HINT);
  return room >= 8 ? `${head}${tailToWidth(text, room)}${KEYS_HINT}` : `${head}${tailToWidth(text, Math.max(1, width - displayWidth(head) - 1))}▏`;
};

/** The footer after a message went out, and after the core refused one. */
export const steerSentNote = (conversation: string): string => `message sent to ${conversation}; the model reads it at its next step`;
export const steerRefusedNote = (conversation: string, code: string, message: string): string => `message to ${conversation} not taken: ${code}: ${message}`;
