/** Pure text formatting for fixed-width terminal cells (widths are display widths, see text-width.ts). */
import { cleanText, cutToWidth, displayWidth, padding } from "./text-width.ts";
import { wrapText } from "./word-wrap.ts";

/** `text` cut to at most `width` cells, with "…" when cut. */
export const fit = (text: string, width: number): string => {
  if (width <= 0) return "";
  if (displayWidth(text) <= width) return text;
  return width === 1 ? "…" : `${cutToWidth(text, width - 1)}…`;
};

/** `text` in exactly `width` cells: cut, or filled with spaces after it. */
export const padEnd = (text: string, width: number): string => {
  const cut = fit(text, width);
  return cut + padding(cut, width);
};

/** `text` in exactly `width` cells: cut, or filled with spaces before it. */
export const padStart = (text: string, width: number): string => {
  const cut = fit(text, width);
  return padding(cut, width) + cut;
};

const two = (n: number): string => String(n).padStart(2, "0");

/** Elapsed time as m:ss, or h:mm:ss from an hour on. */
export const formatElapsed = (ms: number): string => {
  const total = Math.floor(Math.max(0, ms) / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
};

/** Offset from the run start with tenths, for log rows: "+0:04.3". */
export const formatOffset = (ms: number): string => {
  const clamped = Math.max(0, ms);
  return `+${formatElapsed(clamped)}.${Math.floor((clamped % 1000) / 100)}`;
};

/** 950, 1.2k, 34k, 1.5M. */
export const formatCount = (n: number): string => {
  if (n < 1_000) return String(Math.round(n));
  if (n < 10_000) return `${(n / 1_000).toFixed(1)}k`;
  if (n < 1_000_000) return `${Math.round(n / 1_000)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
};

export const formatRate = (perSecond: number | undefined): string =>
  perSecond === undefined ? "–" : perSecond === 0 ? "0" : perSecond < 10 ? perSecond.toFixed(1) : String(Math.round(perSecond));

/** 380ms, 1.2s, 12s. */
export const formatMs = (ms: number | undefined): string => {
  if (ms === undefined) return "–";
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 10_000) return `${(ms / 1_000).toFixed(1)}s`;
  return `${Math.round(ms / 1_000)}s`;
};

/** The last `count` lines of `text` once word-wrapped at `width` cells (trailing blank lines dropped). */
export const tailLines = (text: string, width: number, count: number): string[] => {
  if (width <= 0 || count <= 0) return [];
  const logical = text.split("\n");
  while (logical.length > 0 && logical.at(-1)?.trim() === "") logical.pop();
  // Wrap from the end, only as many logical lines as it takes.
  const lines: string[] = [];
  for (let i = logical.length - 1; i >= 0 && lines.length < count; i--) lines.unshift(...wrapText(cleanText(logical[i] ?? ""), width));
  return lines.slice(-count);
};
