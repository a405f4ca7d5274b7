/**
 * The LIVE panel: one row per conversation (child sessions under their parent), and the selected
 * row's text: plain while it streams, as markdown once the message is complete. On a short
 * terminal the column header, then the rule, then the text give way, so the rows stay.
 */
import { createMemo, Index, Show, type Accessor } from "solid-js";
import { liveRows, type ConversationView, type LiveRow, type ViewState } from "../domain/index.ts";
import { fit, tailLines } from "./format.ts";
import { liveHeaderText, liveRowText } from "./live-row-text.ts";
import { markdownLines, type StyledLine } from "./markdown-lines.ts";
import { displayWidth } from "./text-width.ts";
import { StyledLines } from "./styled-lines.tsx";
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
export const separator = (title: string, width: number): string => {
  const head = fit(title ? `── ${title} ` : "", width);
  return head + "─".repeat(Math.max(0, width - displayWidth(head)));
};

/** Which parts fit `height` rows (borders included): the column header and the rule go first. */
export const liveParts = (height: number, count: number): { header: boolean; rows: number; rule: boolean; stream: number } => {
  const inner = Math.max(1, height - 2);
  const header = inner >= 4;
  const rule = inner >= 3;
  const rows = Math.min(tableRows(height, count), Math.max(1, inner - (header ? 1 : 0) - (rule ? 1 : 0) - 1));
  return { header, rows, rule, stream: Math.max(0, inner - (header ? 1 : 0) - rows - (rule ? 1 : 0)) };
};

/** Whether the conversation's latest message is complete (then it is drawn as markdown). */
export const messageComplete = (c: ConversationView): boolean => c.ended !== undefined || c.status === "done" || c.status === "error";

/** The last `count` lines of a conversation's text: markdown once complete, else plain (thinking always plain). */
export const streamLines = (c: ConversationView, width: number, count: number): StyledLine[] => {
  if (count <= 0) return [];
  if (c.text && messageComplete(c)) {
    // Blank lines between blocks are left out: the panel has few rows.
    return markdownLines(c.text, width)
      .filter((line) => line.length > 0)
      .slice(-count);
  }
  return tailLines(c.text || c.thinking, width, count).map((text) => [{ text, role: c.text ? "text" : "dim" }]);
};

/** Table rows get what the streaming text (at least 2 lines) leaves over. */
export const tableRows = (height: number, count: number): number => Math.max(1, Math.min(count, height - 2 - 1 - 3));

export function LivePanel(props: LivePanelProps) {
  const theme = useTheme();
  const inner = () => Math.max(10, props.width() - 2);
  const rows = createMemo(() => liveRows(props.state()));
  const selected = createMemo(() => selectedRow(rows(), props.selected()));
  const isSelected = (row: LiveRow) => row.key === selected()?.key;
  const parts = () => liveParts(props.height, rows().length);
  const visible = () => {
    const all = rows();
    const limit = parts().rows;
    const index = Math.max(0, all.findIndex(isSelected));
    const start = Math.min(Math.max(0, index - limit + 1), Math.max(0, all.length - limit));
    return all.slice(start, start + limit);
  };
  const stream = createMemo(() => {
    const row = selected();
    if (row?.kind !== "conversation") return { title: "", lines: [] as StyledLine[] };
    const c = row.conversation;
    return {
      title: `${c.invokeId} · turn ${c.turn}${c.text ? "" : c.thinking ? " · thinking" : ""}`,
      lines: streamLines(c, inner(), parts().stream),
    };
  });
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
      <Show when={parts().header}>
        <text fg={theme.dim} wrapMode="none">
          {liveHeaderText(inner())}
        </text>
      </Show>
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
      <Show when={parts().rule}>
        <text fg={theme.dim} wrapMode="none">
          {separator(stream().title, inner())}
        </text>
      </Show>
      <Show when={parts().stream > 0}>
        <StyledLines lines={() => stream().lines} />
      </Show>
    </box>
  );
}
