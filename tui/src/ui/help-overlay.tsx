/**
 * The `?` overlay: every binding of the key map, by context, in two columns. It is generated from
 * the same table the keys are read with (key-map.ts), so it always lists every key.
 */
import { Index } from "solid-js";
import { padEnd } from "./format.ts";
import { BINDINGS, bindingLabel, CONTEXT_TITLES, type Binding, type KeyContext } from "./key-map.ts";
import { useTheme } from "./theme.ts";

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

const labelWidth = (lines: readonly HelpLine[]): number => Math.max(0, ...lines.map((l) => (l.kind === "binding" ? l.label.length : 0))) + 2;

export function HelpOverlay(props: { height: number; width: number }) {
  const theme = useTheme();
  const columnWidth = () => Math.floor((props.width - 3) / 2);
  return (
    <box
      title="KEYS (? Esc q close)"
      border
      borderStyle="double"
      borderColor={theme.focus}
      height={props.height}
      width={props.width}
      flexShrink={0}
      flexDirection="row"
      paddingLeft={1}
    >
      <Index each={HELP_COLUMNS}>
        {(column) => {
          const width = labelWidth(column());
          return (
            <box flexDirection="column" width={columnWidth()} flexShrink={0}>
              <Index each={column()}>
                {(line) => {
                  const l = line();
                  if (l.kind === "gap") return <text> </text>;
                  if (l.kind === "title")
                    return (
                      <text fg={theme.accent} wrapMode="none">
                        <b>{l.text}</b>
                      </text>
                    );
                  return (
                    <text wrapMode="none">
                      <span style={{ fg: theme.accent }}>{padEnd(l.label, width)}</span>
                      {padEnd(l.does, Math.max(1, columnWidth() - width))}
                    </text>
                  );
                }}
              </Index>
            </box>
          );
        }}
      </Index>
    </box>
  );
}
