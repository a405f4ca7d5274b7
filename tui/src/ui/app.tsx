/** The whole screen: header, LIVE panel, LOG pane (or the key help), footer; and the keys. */
import { createSignal, onCleanup, Show, type Accessor } from "solid-js";
import { useKeyboard, useTerminalDimensions } from "@opentui/solid";
import type { ControlAction } from "@escapement/wire-schema";
import { liveRows, logRowCount, viewNow, type Lane, type ViewState } from "../domain/index.ts";
import type { ConnectionStatus } from "../transport/index.ts";
import { fit } from "./format.ts";
import { Header } from "./header.tsx";
import { HelpOverlay } from "./help-overlay.tsx";
import { FOOTER_HINT } from "./key-help.ts";
import { intentOf, nextLaneFilter, type Intent } from "./key-map.ts";
import { LivePanel, selectedRow } from "./live-panel.tsx";
import { LogPane } from "./log-pane.tsx";
import { ThemeContext, type Theme, COLOR_THEME } from "./theme.ts";

export interface AppActions {
  /** Sends a control frame; false when it could not be sent (a replay, or disconnected). */
  control(action: ControlAction): boolean;
  quit(): void;
}

export interface AppProps {
  state: Accessor<ViewState>;
  status: Accessor<ConnectionStatus>;
  actions: AppActions;
  theme?: Theme;
  /** Wall clock, injectable for tests. */
  clock?: () => number;
}

const HEADER_ROWS = 2;
const FOOTER_ROWS = 1;

/** Rows for the LIVE panel and the LOG pane out of the terminal height. */
export const layoutOf = (height: number): { live: number; log: number } => {
  const body = Math.max(8, height - HEADER_ROWS - FOOTER_ROWS);
  const live = Math.max(6, Math.floor(body * 0.42));
  return { live, log: body - live };
};

export function App(props: AppProps) {
  const dims = useTerminalDimensions();
  const clock = props.clock ?? Date.now;
  const [wall, setWall] = createSignal(clock());
  const ticker = setInterval(() => setWall(clock()), 1_000);
  onCleanup(() => clearInterval(ticker));
  const now = () => viewNow(props.state(), wall());

  const [selected, setSelected] = createSignal<string | undefined>();
  const [scrollBack, setScrollBack] = createSignal(0);
  const [lanes, setLanes] = createSignal<ReadonlySet<Lane> | undefined>();
  const [help, setHelp] = createSignal(false);
  const [note, setNote] = createSignal<string | undefined>();
  const layout = () => layoutOf(dims().height);

  const moveSelection = (by: -1 | 1) => {
    const rows = liveRows(props.state());
    const current = selectedRow(rows, selected());
    if (!current) return;
    const next = rows[Math.min(rows.length - 1, Math.max(0, rows.indexOf(current) + by))];
    setSelected(next?.key);
  };

  const control = (action: ControlAction) => {
    if (!props.actions.control(action)) setNote(`${action}: not available (${props.status().state})`);
  };

  const run = (intent: Intent) => {
    setNote(undefined);
    switch (intent.kind) {
      case "select":
        return moveSelection(intent.by);
      case "scroll": {
        const page = Math.max(1, layout().log - 3);
        const max = Math.max(0, logRowCount(props.state()) - 1);
        return setScrollBack((s) => Math.min(max, Math.max(0, s + intent.pages * page)));
      }
      case "follow":
        return setScrollBack(0);
      case "cycle-lanes":
        setScrollBack(0);
        return setLanes((current) => nextLaneFilter(current));
      case "control":
        return control(intent.action);
      case "escape":
        return help() ? setHelp(false) : control("interrupt");
      case "toggle-help":
        return setHelp((open) => !open);
      case "quit":
        return props.actions.quit();
    }
  };

  useKeyboard((key) => {
    const intent = intentOf(key);
    if (intent) run(intent);
  });

  return (
    <ThemeContext.Provider value={props.theme ?? COLOR_THEME}>
      <box flexDirection="column" width={dims().width} height={dims().height}>
        <Header state={props.state} now={now} status={props.status} />
        <LivePanel state={props.state} now={now} selected={selected} height={layout().live} width={() => dims().width} />
        <Show
          when={!help()}
          fallback={<HelpOverlay height={layout().log} />}
        >
          <LogPane state={props.state} scrollBack={scrollBack} lanes={lanes} width={() => dims().width} height={() => layout().log} />
        </Show>
        <text wrapMode="none" fg={(props.theme ?? COLOR_THEME).dim}>
          {fit(` ${note() ?? FOOTER_HINT}`, dims().width)}
        </text>
      </box>
    </ThemeContext.Provider>
  );
}
