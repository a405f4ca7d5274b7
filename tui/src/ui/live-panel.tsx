/** The LIVE panel: one row per conversation (child sessions under their parent), and the selected row's streaming text. */
import { createMemo, Index, Show, type Accessor } from "solid-js";
import { liveRows, type LiveRow, type ViewState } from "../domain/index.ts";
import { tailLines } from "./format.ts";
import { liveHeaderText, liveRowText } from "./live-row-text.ts";
import { useTheme, type Theme } from "./theme.ts";

export interface LivePanelProps {
  state: Accessor<ViewState>;
  now: Accessor<number>;
  /** Key of the selected row (see `LiveRow.key`); the newest row when undefined. */
  selected: Accessor<string | undefined>;
  /** Outer height in rows, borders included. */
  height: number;
  width: Accessor<number>;
  /** Whether the panel has the keys. */
  focused?: Accessor<boolean>;
}

/** The row `key` names, else the newest live conversation, else the last row. */
export const selectedRow = (rows: readonly LiveRow[], key: string | undefined): LiveRow | undefined =>
  rows.find((r) => r.key === key) ?? rows.findLast((r) => r.kind === "conversation" && r.conversation.ended === undefined) ?? rows.at(-1);

const statusColour = (theme: Theme, row: LiveRow) => {
  if (row.kind === "child") return row.child.status === "error" ? theme.error : theme.dim;
  const c = row.conversation;
  if (c.status === "error") return theme.error;
  if (c.ended !== undefined) return theme.dim;
  return c.status === "streaming" ? theme.ok : c.status === "waiting" ? theme.warn : theme.text;
};

/** A rule across the panel with the streaming text's title in it. */
export const separator = (title: string, width: number): string => (title ? `── ${title} ` : "").padEnd(width, "─").slice(0, width);

/** Table rows get what the streaming text (at least 2 lines) leaves over. */
export const tableRows = (height: number, count: number): number => Math.max(1, Math.min(count, height - 2 - 1 - 3));

export function LivePanel(props: LivePanelProps) {
  const theme = useTheme();
  const inner = () => Math.max(10, props.width() - 2);
  const rows = createMemo(() => liveRows(props.state()));
  const selected = createMemo(() => selectedRow(rows(), props.selected()));
  const isSelected = (row: LiveRow) => row.key === selected()?.key;
  const visible = () => {
    const all = rows();
    const limit = tableRows(props.height, all.length);
    const index = Math.max(0, all.findIndex(isSelected));
    const start = Math.min(Math.max(0, index - limit + 1), Math.max(0, all.length - limit));
    return all.slice(start, start + limit);
  };
  const streamHeight = () => Math.max(1, props.height - 2 - 1 - visible().length - 1);
  const stream = () => {
    const row = selected();
    if (row?.kind !== "conversation") return { title: "", lines: [] as string[] };
    const c = row.conversation;
    const text = c.text || c.thinking;
    return {
      title: `${c.invokeId} · turn ${c.turn}${c.text ? "" : c.thinking ? " · thinking" : ""}`,
      lines: tailLines(text, inner(), streamHeight()),
    };
  };
  return (
    <box
      title={props.focused?.() ? "▸ LIVE" : "LIVE"}
      border
      borderStyle={props.focused?.() ? "double" : "single"}
      borderColor={props.focused?.() ? theme.focus : theme.border}
      height={props.height}
      flexShrink={0}
      flexDirection="column"
    >
      <text fg={theme.dim} wrapMode="none">
        {liveHeaderText(inner())}
      </text>
      <Show
        when={rows().length > 0}
        fallback={
          <text fg={theme.dim} wrapMode="none">
            {"  no conversations yet"}
          </text>
        }
      >
        {/* Index, not For: rows are new objects on every update, so reuse each line's renderable. */}
        <Index each={visible()}>
          {(row) => (
            <text fg={statusColour(theme, row())} bg={isSelected(row()) ? theme.selectedBg : undefined} wrapMode="none">
              {liveRowText(row(), isSelected(row()), inner(), props.now())}
            </text>
          )}
        </Index>
      </Show>
      <text fg={theme.dim} wrapMode="none">
        {separator(stream().title, inner())}
      </text>
      <Index each={stream().lines}>{(line) => <text wrapMode="none">{line()}</text>}</Index>
    </box>
  );
}
