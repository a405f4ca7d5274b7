/**
 * The LOG pane: transcript rows in lanes, newest at the bottom. It follows the newest row until
 * a cursor is placed; then it stays where it is (new rows are counted in the title) and the
 * cursor's row can be opened when it carries an io blob.
 */
import { Index, type Accessor } from "solid-js";
import { rowsEndingAt, type Lane, type LogRow, type ViewState } from "../domain/index.ts";
import { fit, formatOffset, padEnd } from "./format.ts";
import { logTitleOf } from "./log-title.ts";
import { useTheme } from "./theme.ts";

export interface LogView {
  /** Absolute index of the cursor's row; none while following. */
  readonly cursor?: number;
  /** Absolute index of the bottom row shown; the newest while following. */
  readonly bottom?: number;
}

export interface LogPaneProps {
  state: Accessor<ViewState>;
  view: Accessor<LogView>;
  /** Lanes shown; all when undefined. */
  lanes: Accessor<ReadonlySet<Lane> | undefined>;
  /** The text filter applied (`/`), named in the title; the rows given are already filtered. */
  filterText?: Accessor<string | undefined>;
  focused: Accessor<boolean>;
  width: Accessor<number>;
  height: Accessor<number>;
}

const LANE_WIDTH = 5;

export const logRowText = (row: LogRow, startedTs: number, width: number, cursor = false): string =>
  fit(`${cursor ? "›" : " "}${padEnd(formatOffset(row.ts - startedTs), 9)} ${padEnd(row.lane, LANE_WIDTH)} ${row.text}`, width);

/** Rows of the log the pane has room for (inside its border). */
export const logPageRows = (height: number): number => Math.max(1, height - 2);

export function LogPane(props: LogPaneProps) {
  const theme = useTheme();
  const inner = () => Math.max(10, props.width() - 2);
  const rows = () => rowsEndingAt(props.state().log, props.view().bottom, logPageRows(props.height()), props.lanes());
  const started = () => props.state().startedTs ?? 0;
  return (
    <box
      title={`${props.focused() ? "▸ " : ""}${logTitleOf(props.state().log, props.view(), props.lanes(), props.filterText?.())}`}
      border
      borderStyle={props.focused() ? "double" : "single"}
      borderColor={props.focused() ? theme.focus : theme.border}
      height={props.height()}
      flexShrink={0}
      flexDirection="column"
    >
      <Index each={rows()}>
        {(entry) => {
          const atCursor = () => entry().index === props.view().cursor;
          return (
            <text fg={theme.lanes[entry().row.lane]} bg={atCursor() ? theme.selectedBg : undefined} wrapMode="none">
              {logRowText(entry().row, started(), inner(), atCursor())}
            </text>
          );
        }}
      </Index>
    </box>
  );
}
