/**
 * The `?` overlay: every binding of the key map, by context. It is generated from the same table
 * the keys are read with (key-map.ts), so it always lists every key. Two columns side by side
 * when both fit the width, else one after the other; when the lines do not fit the height the
 * overlay scrolls (its title says where it is).
 */
import { createSignal, Index } from "solid-js";
import { fit, padEnd } from "./format.ts";
import { BINDINGS, bindingLabel, CONTEXT_TITLES, type Binding, type KeyContext } from "./key-map.ts";
import { useTheme } from "./theme.ts";
import { displayWidth } from "./text-width.ts";
import { wrapText } from "./word-wrap.ts";

type HelpLine =
  { readonly kind: "title"; readonly text: string } | { readonly kind: "binding"; readonly label: string; readonly does: string } | { readonly kind: "gap" };

const section = (context: KeyContext): HelpLine[] => [
  { kind: "title", text: CONTEXT_TITLES[context] },
  ...BINDINGS.filter((b: Binding) => b.context === context).map((b): HelpLine => ({ kind: "binding", label: bindingLabel(b), does: b.does })),
];

/** Left column: the panels' keys; right column: pager, prompt and help keys. */
export const HELP_COLUMNS: readonly (readonly HelpLine[])[] = [
  section("main"),
  [...section("pager"), { kind: "gap" }, ...section("prompt"), { kind: "gap" }, ...section("help")],
];

export interface HelpSegment {
  readonly text: string;
  readonly tone: "title" | "key" | "text";
}
export type HelpRow = readonly HelpSegment[];

const labelWidth = (lines: readonly HelpLine[]): number => Math.max(0, ...lines.map((l) => (l.kind === "binding" ? displayWidth(l.label) : 0))) + 2;

/** Cells a description gets at the least in a column; narrower columns give way to one column. */
const DOES_MIN = 16;

const blank = (width: number): HelpRow => [{ text: " ".repeat(width), tone: "text" }];

/** One column's rows, each exactly `width` cells; a long description wraps under itself. */
const columnRows = (lines: readonly HelpLine[], width: number): HelpRow[] => {
  const label = Math.min(labelWidth(lines), Math.max(1, width - 1));
  const doesWidth = Math.max(1, width - label);
  return lines.flatMap((line): HelpRow[] => {
    if (line.kind === "gap") return [blank(width)];
    if (line.kind === "title") return [[{ text: padEnd(line.text, width), tone: "title" }]];
    return wrapText(line.does, doesWidth).map((part, i) => [
      { text: padEnd(i === 0 ? line.label : "", label), tone: "key" },
      { text: padEnd(part, doesWidth), tone: "text" },
    ]);
  });
};

/** The overlay's rows in `width` cells (inside its border and padding): two columns when both fit, else one. */
export const helpRows = (width: number): HelpRow[] => {
  const [left = [], right = []] = HELP_COLUMNS;
  const gap = 2;
  // The right column takes what its longest line needs (at most half); the left one the rest.
  const rightNeeds = labelWidth(right) + Math.max(0, ...right.map((l) => (l.kind === "binding" ? displayWidth(l.does) : 0)));
  const rightWidth = Math.min(Math.floor((width - gap) / 2), rightNeeds);
  const leftWidth = width - gap - rightWidth;
  if (leftWidth - labelWidth(left) >= DOES_MIN && rightWidth - labelWidth(right) >= DOES_MIN) {
    const l = columnRows(left, leftWidth);
    const r = columnRows(right, rightWidth);
    return Array.from({ length: Math.max(l.length, r.length) }, (_, i) => [
      ...(l[i] ?? blank(leftWidth)),
      { text: " ".repeat(gap), tone: "text" as const },
      ...(r[i] ?? blank(rightWidth)),
    ]);
  }
  return columnRows([...left, { kind: "gap" }, ...right], width);
};

/** A row's text. */
export const helpRowText = (row: HelpRow): string => row.map((s) => s.text).join("");

export interface HelpControls {
  scrollBy(lines: number): void;
  page(by: number): void;
  edge(to: "first" | "last"): void;
}

/** The title: the keys that close it, and where the view is when the rows do not all fit. */
export const helpTitle = (first: number, shown: number, total: number): string =>
  shown >= total ? "KEYS (? Esc q close)" : `KEYS ${first + 1}-${first + shown} of ${total} (↑↓ scroll · ? Esc q close)`;

export function HelpOverlay(props: { height: number; width: number; controls?: (controls: HelpControls) => void }) {
  const theme = useTheme();
  const inner = () => Math.max(1, props.width - 3);
  const rows = () => helpRows(inner());
  const shown = () => Math.max(1, props.height - 2);
  const [top, setTop] = createSignal(0);
  const first = () => Math.min(top(), Math.max(0, rows().length - shown()));
  const scrollTo = (line: number) => setTop(Math.max(0, Math.min(line, rows().length - shown())));
  props.controls?.({
    scrollBy: (lines) => scrollTo(first() + lines),
    page: (by) => scrollTo(first() + by * Math.max(1, shown() - 1)),
    edge: (to) => scrollTo(to === "first" ? 0 : rows().length),
  });
  const visible = (): HelpRow[] => rows().slice(first(), first() + shown());
  return (
    <box
      title={fit(helpTitle(first(), shown(), rows().length), Math.max(1, props.width - 4))}
      border
      borderStyle="double"
      borderColor={theme.focus}
      height={props.height}
      width={props.width}
      flexShrink={0}
      flexDirection="column"
      paddingLeft={1}
    >
      <Index each={visible()}>
        {(row) => (
          <text wrapMode="none">
            <Index each={row()}>
              {(segment) =>
                segment().tone === "title" ? (
                  <span style={{ fg: theme.accent, bold: true }}>{segment().text}</span>
                ) : (
                  <span style={segment().tone === "key" ? { fg: theme.accent } : {}}>{segment().text}</span>
                )
              }
            </Index>
          </text>
        )}
      </Index>
    </box>
  );
}
