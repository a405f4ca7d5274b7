/** Colours, or none at all when NO_COLOR is set (https://no-color.org). */
import { createContext, useContext } from "solid-js";
import { SyntaxStyle, type StyleDefinitionInput } from "@opentui/core";
import type { Lane } from "../domain/index.ts";
import type { SyntaxRole } from "./highlight-code.ts";

/** A colour, or undefined for the terminal's default. */
type Colour = string | undefined;

/**
 * What OpenTUI draws uncoloured text with. Parts that must be drawn in some colour (markdown table
 * rules, the pager's scrollbar) use exactly this under NO_COLOR, so they look like plain text.
 */
export const DEFAULT_FG = "#FFFFFF";

export interface Theme {
  readonly text: Colour;
  readonly dim: Colour;
  readonly accent: Colour;
  readonly ok: Colour;
  readonly warn: Colour;
  readonly error: Colour;
  readonly border: Colour;
  readonly selectedBg: Colour;
  /** Border of the panel that has the keys (it is also drawn double, which needs no colour). */
  readonly focus: Colour;
  /** Markdown in the pager: headings, code, links, quotes. */
  readonly markdown: Readonly<Record<"heading" | "raw" | "link" | "quote" | "conceal", Colour>>;
  /** Background of code blocks (none under NO_COLOR, where a code block is set off by a space each side). */
  readonly codeBg: Colour;
  /** Syntax colours in code blocks. */
  readonly syntax: Readonly<Record<SyntaxRole, Colour>>;
  /** Table rules in markdown and the scrollbar: always a colour (see DEFAULT_FG). */
  readonly rule: string;
  readonly scrollTrack: string;
  /** Under NO_COLOR the REPLAY badge is bracketed instead of drawn in reverse video. */
  readonly plain: boolean;
  readonly lanes: Readonly<Record<Lane, Colour>>;
}

export const COLOR_THEME: Theme = {
  text: "#d0d0d0",
  dim: "#808080",
  accent: "#5fafff",
  ok: "#5fd75f",
  warn: "#d7af5f",
  error: "#ff5f5f",
  border: "#585858",
  selectedBg: "#303a4a",
  focus: "#5fafff",
  markdown: { heading: "#5fafff", raw: "#d7af5f", link: "#5fd7af", quote: "#808080", conceal: "#585858" },
  codeBg: "#262626",
  syntax: { keyword: "#af87ff", string: "#87d787", number: "#d7af5f", comment: "#808080", property: "#5fafff", literal: "#d7875f", punctuation: "#a8a8a8" },
  rule: "#585858",
  scrollTrack: "#262626",
  plain: false,
  lanes: { chart: "#5fafff", llm: "#d0d0d0", tool: "#af87ff", human: "#5fd7af", debug: "#d7af5f", error: "#ff5f5f" },
};

export const PLAIN_THEME: Theme = {
  text: undefined,
  dim: undefined,
  accent: undefined,
  ok: undefined,
  warn: undefined,
  error: undefined,
  border: undefined,
  selectedBg: undefined,
  focus: undefined,
  markdown: { heading: undefined, raw: undefined, link: undefined, quote: undefined, conceal: undefined },
  codeBg: undefined,
  syntax: { keyword: undefined, string: undefined, number: undefined, comment: undefined, property: undefined, literal: undefined, punctuation: undefined },
  rule: DEFAULT_FG,
  scrollTrack: "transparent",
  plain: true,
  lanes: { chart: undefined, llm: undefined, tool: undefined, human: undefined, debug: undefined, error: undefined },
};

/** NO_COLOR set to anything but the empty string turns colour off. */
export const themeFor = (env: Readonly<Record<string, string | undefined>>): Theme =>
  env.NO_COLOR !== undefined && env.NO_COLOR !== "" ? PLAIN_THEME : COLOR_THEME;

export const ThemeContext = createContext<Theme>(COLOR_THEME);
export const useTheme = (): Theme => useContext(ThemeContext);

const styles = new WeakMap<Theme, SyntaxStyle>();

const withFg = (fg: Colour, rest: StyleDefinitionInput = {}): StyleDefinitionInput => (fg === undefined ? rest : { ...rest, fg });

/**
 * The syntax style of a theme for OpenTUI's tree-sitter highlighting (made once; without colours
 * under NO_COLOR, attributes only): code blocks in the languages it has grammars for.
 */
export const markdownStyle = (theme: Theme): SyntaxStyle => {
  const known = styles.get(theme);
  if (known) return known;
  const m = theme.markdown;
  const style = SyntaxStyle.fromStyles({
    default: withFg(theme.text),
    conceal: withFg(m.conceal),
    "markup.heading": withFg(m.heading, { bold: true }),
    "markup.strong": { bold: true },
    "markup.italic": { italic: true },
    "markup.strikethrough": { dim: true },
    "markup.raw": withFg(m.raw),
    "markup.quote": withFg(m.quote, { italic: true }),
    "markup.link": withFg(m.link, { underline: true }),
    "markup.link.label": withFg(m.link),
    "markup.link.url": withFg(m.link, { underline: true }),
    "markup.list": withFg(m.heading),
    keyword: withFg(theme.syntax.keyword),
    string: withFg(theme.syntax.string),
    number: withFg(theme.syntax.number),
    comment: withFg(theme.syntax.comment, { italic: true }),
    property: withFg(theme.syntax.property),
    constant: withFg(theme.syntax.literal),
    boolean: withFg(theme.syntax.literal),
    punctuation: withFg(theme.syntax.punctuation),
    operator: withFg(theme.syntax.punctuation),
    function: withFg(theme.markdown.heading),
    type: withFg(theme.markdown.link),
  });
  styles.set(theme, style);
  return style;
};
