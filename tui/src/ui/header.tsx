/** Two lines: what is running and for how long; where the chart is and how busy the models are. */
import type { Accessor } from "solid-js";
import {
  breadcrumb,
  elapsedMs,
  liveCount,
  runStatus,
  totalTokens,
  totalTokensPerSecond,
  type ViewState,
} from "../domain/index.ts";
import type { ConnectionStatus } from "../transport/index.ts";
import { ConnectionIndicator } from "./connection-indicator.tsx";
import { formatCount, formatElapsed, formatRate } from "./format.ts";
import { useTheme } from "./theme.ts";

export interface HeaderProps {
  state: Accessor<ViewState>;
  /** The view's clock (see `viewNow`). */
  now: Accessor<number>;
  status: Accessor<ConnectionStatus>;
}

export const breadcrumbText = (crumbs: readonly string[]): string => (crumbs.length ? crumbs.join(" › ") : "—");

export function Header(props: HeaderProps) {
  const theme = useTheme();
  const run = () => props.state().run;
  const stats = () => {
    const state = props.state();
    return `live ${liveCount(state)} · ${formatCount(totalTokens(state))} tok · ${formatRate(totalTokensPerSecond(state, props.now()))} tok/s`;
  };
  return (
    <box flexDirection="column" flexShrink={0} paddingLeft={1} paddingRight={1}>
      <box flexDirection="row" height={1}>
        <text fg={theme.accent} wrapMode="none" flexShrink={0}>
          <b>{run()?.chartId ?? "escapement"}</b>
        </text>
        <text fg={theme.dim} wrapMode="none" flexGrow={1} flexShrink={1}>
          {`  ${run()?.sessionId ?? "waiting for the core…"}`}
        </text>
        <text wrapMode="none" flexShrink={0}>
          {` ${runStatus(props.state())} ${formatElapsed(elapsedMs(props.state(), props.now()))}`}
        </text>
        <text wrapMode="none" flexShrink={0}>
          {"  "}
        </text>
        <ConnectionIndicator status={props.status} />
      </box>
      <box flexDirection="row" height={1}>
        <text wrapMode="none" flexGrow={1} flexShrink={1}>
          {breadcrumbText(breadcrumb(props.state()))}
        </text>
        <text fg={theme.dim} wrapMode="none" flexShrink={0}>
          {` ${stats()}`}
        </text>
      </box>
    </box>
  );
}
