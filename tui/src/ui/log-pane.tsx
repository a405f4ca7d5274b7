/** The LOG pane: transcript rows in lanes, newest at the bottom, with scrollback. */
import { For, type Accessor } from "solid-js";
import { logPage, logRowCount, type Lane, type LogRow, type ViewState } from "../domain/index.ts";
import { fit, formatOffset, padEnd } from "./format.ts";
import { useTheme } from "./theme.ts";

export interface LogPaneProps {
  state: Accessor<ViewState>;
  /** Rows scrolled back from the newest; 0 follows the tail. */
  scrollBack: Accessor<number>;
  /** Lanes shown; all when undefined. */
  lanes: Accessor<ReadonlySet<Lane> | undefined>;
  width: Accessor<number>;
}

const LANE_WIDTH = 5;

export const logRowText = (row: LogRow, startedTs: number, width: number): string =>
  fit(`${padEnd(formatOffset(row.ts - startedTs), 9)} ${padEnd(row.lane, LANE_WIDTH)} ${row.text}`, width);

export const logTitle = (scrollBack: number, lanes: ReadonlySet<Lane> | undefined, total: number): string => {
  const filter = lanes ? ` [${[...lanes].join(",")}]` : "";
  const scrolled = scrollBack > 0 ? ` ↑${scrollBack}` : "";
  return `LOG ${total}${filter}${scrolled}`;
};

export function LogPane(props: LogPaneProps & { height: Accessor<number> }) {
  const theme = useTheme();
  const inner = () => Math.max(10, props.width() - 2);
  const rows = () => logPage(props.state(), Math.max(1, props.height() - 2), props.scrollBack(), props.lanes());
  const started = () => props.state().startedTs ?? 0;
  return (
    <box
      title={logTitle(props.scrollBack(), props.lanes(), logRowCount(props.state()))}
      border
      borderColor={theme.border}
      height={props.height()}
      flexShrink={0}
      flexDirection="column"
    >
      <For each={rows()}>
        {(row) => (
          <text fg={theme.lanes[row.lane]} wrapMode="none">
            {logRowText(row, started(), inner())}
          </text>
        )}
      </For>
    </box>
  );
}
