/**
 * Two lines: what is running, for how long, and over which connection (a REPLAY badge when the
 * frames come from a saved session); where the chart is, the debugger gate (in a replay the core
 * plays: where the playback is), and how busy the models are.
 */
import { Show, type Accessor } from "solid-js";
import { TextAttributes } from "@opentui/core";
import { breadcrumb, elapsedMs, liveCount, runStatus, totalTokens, totalTokensPerSecond, type ViewState } from "../domain/index.ts";
import type { ConnectionStatus } from "../transport/index.ts";
import { ConnectionIndicator } from "./connection-indicator.tsx";
import { debugLabel } from "./debug-label.ts";
import { playbackLabel } from "./playback-label.ts";
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
  // A replay the core plays shows where the playback is; a live run, the debugger gate until it ends.
  const gate = () => playbackLabel(props.state()) ?? (props.state().finished ? undefined : debugLabel(props.state()));
  return (
    <box flexDirection="column" flexShrink={0} paddingLeft={1} paddingRight={1}>
      <box flexDirection="row" height={1}>
        <text fg={theme.accent} wrapMode="none" flexShrink={0}>
          <b>{run()?.chartId ?? "escapement"}</b>
        </text>
        <Show when={run()?.replay}>
          <text wrapMode="none" flexShrink={0}>
            {" "}
          </text>
          <text fg={theme.warn} attributes={theme.plain ? TextAttributes.BOLD : TextAttributes.INVERSE | TextAttributes.BOLD} wrapMode="none" flexShrink={0}>
            {theme.plain ? "[REPLAY]" : " REPLAY "}
          </text>
        </Show>
        <text fg={theme.dim} wrapMode="none" flexGrow={1} flexShrink={1}>
          {`${run()?.replay ? " " : "  "}${run()?.sessionId ?? "waiting for the core…"}`}
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
        <Show when={gate()}>
          {(label) => (
            <text fg={theme[label().tone]} wrapMode="none" flexShrink={0}>
              {` ${label().text} ·`}
            </text>
          )}
        </Show>
        <text fg={theme.dim} wrapMode="none" flexShrink={0}>
          {` ${stats()}`}
        </text>
      </box>
    </box>
  );
}
