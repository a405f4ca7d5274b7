import { createEffect, createSignal, on, onCleanup, Show } from "solid-js";
import type { ViewState } from "../domain/index.js";
import type { ConnectionStatus } from "../transport/ws-client.js";
import { ConnectionIndicator } from "./connection-indicator.jsx";
import { clock } from "./format.js";

export interface HeaderProps {
  readonly view: ViewState;
  readonly status: ConnectionStatus;
  readonly now: () => number;
}

const runStatus = (view: ViewState): string => {
  if (view.finished) return view.finished.status;
  if (!view.run) return "waiting";
  if (view.playback) return `replay · ${view.playback.state}`;
  if (view.debug.paused) return "paused";
  return "running";
};

/** Chart, state, status, clock and connection. */
export function Header(props: HeaderProps) {
  // The clock ticks while the run is live, counting on from the latest row's time by this page's
  // own clock (the core's may be set differently); a finished run or a replay shows the recorded span.
  const [tick, setTick] = createSignal(props.now());
  const timer = setInterval(() => setTick(props.now()), 1000);
  onCleanup(() => clearInterval(timer));
  let arrivedAt = props.now();
  createEffect(
    on(
      () => props.view.lastTs,
      () => (arrivedAt = props.now()),
    ),
  );
  const elapsed = () => {
    const v = props.view;
    if (v.startedTs === undefined) return 0;
    const recorded = (v.lastTs ?? v.startedTs) - v.startedTs;
    const live = !v.finished && !v.run?.replay;
    return live ? recorded + Math.max(0, tick() - arrivedAt) : recorded;
  };
  return (
    <header class="header">
      <span class="chart" data-testid="chart">
        {props.view.run?.chartId ?? "…"}
      </span>
      <Show when={props.view.phase}>
        {(phase) => (
          <span class="breadcrumb" data-testid="breadcrumb">
            {phase().breadcrumb.join(" › ")}
          </span>
        )}
      </Show>
      <span class={`status status-${runStatus(props.view).replace(/\W+/g, "-")}`} data-testid="run-status">
        {runStatus(props.view)}
      </span>
      <span class="clock" data-testid="clock">
        {clock(elapsed())}
      </span>
      <span class="spacer" />
      <ConnectionIndicator status={props.status} />
    </header>
  );
}
