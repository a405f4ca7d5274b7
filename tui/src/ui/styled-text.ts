/** Styled lines (see markdown-lines.ts) as OpenTUI styled text in a theme's colours. */
import { createTextAttributes, RGBA, StyledText, type TextChunk } from "@opentui/core";
import type { SpanRole, StyledLine, StyledSpan } from "./markdown-lines.ts";
import type { Theme } from "./theme.ts";

const colours = new Map<string, RGBA>();
const rgba = (hex: string | undefined): RGBA | undefined => {
  if (hex === undefined) return undefined;
  let known = colours.get(hex);
  if (!known) colours.set(hex, (known = RGBA.fromHex(hex)));
  return known;
};

/** The foreground of a role in a theme (undefined: the terminal's default). */
export const roleColour = (theme: Theme, role: SpanRole): string | undefined => {
  switch (role) {
    case "text":
      return theme.text;
    case "heading":
    case "marker":
      return theme.markdown.heading;
    case "code":
      return theme.markdown.raw;
    case "link":
      return theme.markdown.link;
    case "url":
    case "dim":
      return theme.dim;
    case "quote":
      return theme.markdown.quote;
    case "rule":
      return theme.plain ? undefined : theme.rule;
    default:
      return theme.syntax[role];
  }
};

export const spanChunk = (s: StyledSpan, theme: Theme): TextChunk => {
  const fg = rgba(roleColour(theme, s.role));
  const bg = s.block ? rgba(theme.codeBg) : undefined;
  const attributes = createTextAttributes({
    bold: s.bold ?? false,
    italic: s.italic ?? s.role === "comment",
    underline: s.underline ?? false,
    strikethrough: s.strike ?? false,
  });
  return {
    __isChunk: true,
    text: s.text,
    ...(fg ? { fg } : {}),
    ...(bg ? { bg } : {}),
    ...(attributes ? { attributes } : {}),
    ...(s.href ? { link: { url: s.href } } : {}),
  };
};

/** Lines as one styled text, a newline between lines. */
export const styledText = (lines: readonly StyledLine[], theme: Theme): StyledText => {
  const chunks: TextChunk[] = [];
  lines.forEach((line, i) => {
    if (i > 0) chunks.push({ __isChunk: true, text: "\n" });
    for (const s of line) if (s.text !== "") chunks.push(spanChunk(s, theme));
  });
  return new StyledText(chunks);
};
