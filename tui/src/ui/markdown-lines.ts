/**
 * Markdown (GFM: tables, task lists, strikethrough) as styled lines at a width: what the pager
 * and the LIVE panel draw. Pure and synchronous: the lines are known, and drawn complete, the
 * moment the text is.
 *
 * OpenTUI's MarkdownRenderable is not used for this. It draws prose (paragraphs, headings, lists,
 * quotes) only after its tree-sitter worker has answered, which on the first document after
 * start takes the worker's start-up (0.6-1.5 s): the page showed its tables and code but not its
 * text. Its tables ignore column alignment, its code blocks have no background, its heading
 * captures (markup.heading.1…6) match no style, and LIVE needs the last lines of a message, which
 * a tree of renderables does not give. The parser is the one OpenTUI uses, marked.
 */
import { Lexer, type Token, type Tokens } from "marked";
import { highlightCode, type SyntaxRole } from "./highlight-code.ts";
import { cleanText, cutToWidth, displayWidth, padding } from "./text-width.ts";
import { wrapRuns, type TextRun, type WrapMode } from "./word-wrap.ts";

export type SpanRole = "text" | "heading" | "code" | "link" | "url" | "quote" | "rule" | "marker" | "dim" | SyntaxRole;

export interface StyledSpan extends TextRun {
  readonly role: SpanRole;
  readonly bold?: boolean;
  readonly italic?: boolean;
  readonly underline?: boolean;
  readonly strike?: boolean;
  /** Inside a code block (drawn on the code background). */
  readonly block?: boolean;
  /** Where a link points (terminals that know OSC 8 make it clickable). */
  readonly href?: string;
}

export type StyledLine = readonly StyledSpan[];

export interface MarkdownOptions {
  /** Fence languages to leave to another highlighter: their blocks come out as `code` blocks. */
  readonly externalCode?: (lang: string) => boolean;
}

/** A run of lines, or a code block left to another highlighter (see MarkdownOptions). */
export type MarkdownBlock =
  | { readonly kind: "lines"; readonly lines: readonly StyledLine[] }
  | { readonly kind: "code"; readonly lang: string; readonly text: string; readonly width: number };

type Style = Omit<StyledSpan, "text">;

const TEXT: Style = { role: "text" };

const ENTITIES: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

/** HTML entities as the characters they stand for (marked leaves them to an HTML renderer). */
export const decodeEntities = (text: string): string =>
  text.includes("&")
    ? text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
        if (name.startsWith("#")) {
          const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
          return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
        }
        return ENTITIES[name.toLowerCase()] ?? whole;
      })
    : text;

const span = (text: string, style: Style): StyledSpan => ({ ...style, text });

/** Inline tokens (emphasis, code, links) as spans. */
export const inlineSpans = (tokens: readonly Token[], style: Style = TEXT): StyledSpan[] =>
  tokens.flatMap((token): StyledSpan[] => {
    switch (token.type) {
      case "strong":
        return inlineSpans(token.tokens ?? [], { ...style, bold: true });
      case "em":
        return inlineSpans(token.tokens ?? [], { ...style, italic: true });
      case "del":
        return inlineSpans(token.tokens ?? [], { ...style, strike: true });
      case "codespan":
        return [span(decodeEntities(token.text), { ...style, role: "code" })];
      case "br":
        return [span("\n", style)];
      case "link": {
        const link = token as Tokens.Link;
        const label = inlineSpans(link.tokens ?? [], { ...style, role: "link", underline: true, href: link.href });
        const shown = label.map((s) => s.text).join("");
        return shown === link.href || `mailto:${shown}` === link.href ? label : [...label, span(` (${link.href})`, { ...style, role: "url" })];
      }
      case "image":
        return [span(`[image: ${token.text || (token as Tokens.Image).href}]`, { ...style, role: "link" })];
      case "text":
        return "tokens" in token && token.tokens?.length ? inlineSpans(token.tokens, style) : [span(decodeEntities(token.text), style)];
      case "escape":
        return [span(token.text, style)];
      case "html":
        return [span(token.raw, { ...style, role: "dim" })];
      default:
        return "text" in token && typeof token.text === "string" ? [span(decodeEntities(token.text), style)] : [];
    }
  });

const wrap = (spans: readonly StyledSpan[], width: number, mode: WrapMode = "word"): StyledLine[] => wrapRuns(spans, Math.max(1, width), mode);

/** `lines` with `first` before the first line and `rest` before the others. */
const prefixed = (lines: readonly StyledLine[], first: StyledSpan, rest: StyledSpan): StyledLine[] => lines.map((line, i) => [i === 0 ? first : rest, ...line]);

const codeLines = (text: string, lang: string, width: number): StyledLine[] => {
  const inner = Math.max(1, width - 2);
  const block: Style = { role: "text", block: true };
  return highlightCode(text, lang).flatMap((runs) => {
    const spans = runs.map((r) => span(r.text, { ...block, ...(r.role ? { role: r.role } : {}) }));
    return wrap(spans, inner, "char").map((line) => {
      const used = line.reduce((n, s) => n + displayWidth(s.text), 0);
      return [span(" ", block), ...line, span(`${" ".repeat(Math.max(0, inner - used))} `, block)];
    });
  });
};

type Align = "left" | "right" | "center" | null;

const aligned = (line: StyledLine, width: number, align: Align): StyledLine => {
  const gap = Math.max(0, width - line.reduce((n, s) => n + displayWidth(s.text), 0));
  const left = align === "right" ? gap : align === "center" ? Math.floor(gap / 2) : 0;
  return [span(" ".repeat(left), TEXT), ...line, span(" ".repeat(gap - left), TEXT)];
};

/** Column widths that fit `available` cells: natural widths, the widest cut first. */
export const fitColumns = (natural: readonly number[], available: number): number[] => {
  const total = natural.reduce((a, b) => a + b, 0);
  if (total <= available) return [...natural];
  let low = 1;
  let high = Math.max(1, ...natural);
  // The largest cap whose capped widths still fit.
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (natural.reduce((n, w) => n + Math.min(w, mid), 0) <= available) low = mid;
    else high = mid - 1;
  }
  const widths = natural.map((w) => Math.max(1, Math.min(w, low)));
  let spare = available - widths.reduce((a, b) => a + b, 0);
  for (let i = 0; i < widths.length && spare > 0; i++) {
    if ((natural[i] ?? 0) > (widths[i] ?? 0)) {
      widths[i] = (widths[i] ?? 0) + 1;
      spare--;
    }
  }
  return widths;
};

const rule = (left: string, joint: string, right: string, widths: readonly number[], pad: number): StyledLine => [
  span(`${left}${widths.map((w) => "─".repeat(w + 2 * pad)).join(joint)}${right}`, { role: "rule" }),
];

/** A table in box-drawing rules, each column aligned as its delimiter row says. */
export const tableLines = (table: Tokens.Table, width: number): StyledLine[] => {
  const columns = table.header.length;
  const header = table.header.map((cell) => inlineSpans(cell.tokens, { role: "text", bold: true }));
  const rows = table.rows.map((row) => Array.from({ length: columns }, (_, c) => inlineSpans(row[c]?.tokens ?? [])));
  const natural = Array.from({ length: columns }, (_, c) =>
    Math.max(
      1,
      ...[header[c] ?? [], ...rows.map((r) => r[c] ?? [])].map((spans) =>
        Math.max(0, ...wrap(spans, 10_000).map((l) => displayWidth(l.map((s) => s.text).join("")))),
      ),
    ),
  );
  // Padded cells when they fit one cell per column, else bare cells; else the rows as "header: value" lines.
  const pad = width - (columns + 1) - 2 * columns >= columns ? 1 : 0;
  const available = width - (columns + 1) - 2 * pad * columns;
  if (available < columns) {
    return [...header.map((h, c) => [h, ...rows.map((r) => r[c] ?? [])])]
      .flatMap((cells) =>
        wrap(
          cells.flatMap((cell, i) => (i === 0 ? cell : [span(" · ", { role: "rule" }), ...cell])),
          width,
        ),
      )
      .filter((line) => line.length > 0);
  }
  const widths = fitColumns(natural, available);
  const bar = span("│", { role: "rule" });
  const space = span(" ".repeat(pad), TEXT);
  const rowLines = (cells: readonly StyledSpan[][]): StyledLine[] => {
    const wrapped = cells.map((cell, c) => wrap(cell, widths[c] ?? 1));
    const height = Math.max(1, ...wrapped.map((w) => w.length));
    return Array.from({ length: height }, (_, i) => [
      bar,
      ...wrapped.flatMap((lines, c) => [space, ...aligned(lines[i] ?? [], widths[c] ?? 1, table.align[c] ?? null), space, bar]),
    ]);
  };
  return [rule("┌", "┬", "┐", widths, pad), ...rowLines(header), rule("├", "┼", "┤", widths, pad), ...rows.flatMap(rowLines), rule("└", "┴", "┘", widths, pad)];
};

const listLines = (list: Tokens.List, width: number): StyledLine[] => {
  const start = typeof list.start === "number" ? list.start : 1;
  const bullets = list.items.map((_, i) => (list.ordered ? `${start + i}.` : "-"));
  const bulletWidth = Math.max(...bullets.map((b) => displayWidth(b)));
  return list.items.flatMap((item, i) => {
    const bullet = bullets[i] ?? "-";
    const marker = `${padding(bullet, bulletWidth)}${bullet}${item.task ? (item.checked ? " [x]" : " [ ]") : ""} `;
    const indent = displayWidth(marker);
    const body = nestedLines(
      item.tokens.filter((t) => t.type !== "checkbox"),
      width - indent,
      list.loose,
    );
    const lines = prefixed(body.length ? body : [[]], span(marker, { role: "marker" }), span(" ".repeat(indent), TEXT));
    return list.loose && i < list.items.length - 1 ? [...lines, []] : lines;
  });
};

const tokenLines = (token: Token, width: number): StyledLine[] => {
  switch (token.type) {
    case "heading": {
      const heading = token as Tokens.Heading;
      return wrap(inlineSpans(heading.tokens, { role: "heading", bold: true, ...(heading.depth === 1 ? { underline: true } : {}) }), width);
    }
    case "paragraph":
      return wrap(inlineSpans((token as Tokens.Paragraph).tokens), width);
    case "text":
      return wrap("tokens" in token && token.tokens?.length ? inlineSpans(token.tokens) : [span(decodeEntities(token.text), TEXT)], width);
    case "code":
      return codeLines((token as Tokens.Code).text, (token as Tokens.Code).lang ?? "", width);
    case "table":
      return tableLines(token as Tokens.Table, width);
    case "blockquote": {
      const inner = nestedLines((token as Tokens.Blockquote).tokens, width - 2).map((line) =>
        line.map((s) => (s.role === "text" ? { ...s, role: "quote" as const, italic: true } : s)),
      );
      const bar = span("│ ", { role: "quote" });
      return prefixed(inner.length ? inner : [[]], bar, bar);
    }
    case "list":
      return listLines(token as Tokens.List, width);
    case "hr":
      return [[span("─".repeat(Math.max(1, width)), { role: "rule" })]];
    case "html":
      return wrap([span(token.raw.replace(/\n+$/, ""), { role: "dim" })], width);
    case "space":
    case "def":
      return [];
    default:
      return "raw" in token && typeof token.raw === "string" ? wrap([span(token.raw, TEXT)], width) : [];
  }
};

/**
 * `line` cut to `width` cells. Lines are laid out to fit; only markers and indents deeper than a
 * very narrow width (a list item in a quote in 4 cells) can overrun, and they are cut here.
 */
const clampLine = (line: StyledLine, width: number): StyledLine => {
  let used = 0;
  const out: StyledSpan[] = [];
  for (const s of line) {
    const w = displayWidth(s.text);
    if (used + w <= width) {
      out.push(s);
      used += w;
      continue;
    }
    const cut = cutToWidth(s.text, width - used);
    if (cut) out.push({ ...s, text: cut });
    break;
  }
  return out;
};

const markdownBlocksOf = (tokens: readonly Token[], width: number, options: MarkdownOptions, spaced = true): MarkdownBlock[] => {
  const blocks: MarkdownBlock[] = [];
  let lines: StyledLine[] = [];
  for (const token of tokens) {
    if (token.type === "space" || token.type === "def") continue;
    const gap = spaced && (lines.length > 0 || blocks.length > 0) ? [[] as StyledLine] : [];
    if (token.type === "code" && options.externalCode?.((token as Tokens.Code).lang ?? "")) {
      if (lines.length > 0 || gap.length > 0) blocks.push({ kind: "lines", lines: [...lines, ...gap] });
      lines = [];
      blocks.push({ kind: "code", lang: (token as Tokens.Code).lang ?? "", text: (token as Tokens.Code).text, width });
      continue;
    }
    lines.push(...gap, ...tokenLines(token, width).map((line) => clampLine(line, width)));
  }
  if (lines.length > 0) blocks.push({ kind: "lines", lines });
  return blocks;
};

/** All lines of blocks (a code block left to another highlighter is highlighted here after all). */
const blocksToLines = (blocks: readonly MarkdownBlock[]): StyledLine[] =>
  blocks.flatMap((b) => (b.kind === "lines" ? b.lines : codeLines(b.text, b.lang, b.width)));

/** Blocks inside a list item or a quote, as lines. */
function nestedLines(tokens: readonly Token[], width: number, spaced = true): StyledLine[] {
  return blocksToLines(markdownBlocksOf(tokens, Math.max(1, width), {}, spaced));
}

const lex = (markdown: string): Token[] => new Lexer({ gfm: true }).lex(cleanText(markdown));

/** A markdown document as blocks of lines at most `width` cells wide. */
export const markdownBlocks = (markdown: string, width: number, options: MarkdownOptions = {}): MarkdownBlock[] =>
  markdownBlocksOf(lex(markdown), Math.max(1, width), options);

/** A markdown document as lines at most `width` cells wide. */
export const markdownLines = (markdown: string, width: number): StyledLine[] => blocksToLines(markdownBlocks(markdown, width));

/** The plain text of a line. */
export const lineText = (line: StyledLine): string => line.map((s) => s.text).join("");
