/** Renders the app (or one component) over a fixed view state at a fixed terminal size. */
import { testRender } from "@opentui/solid";
import type { OutboundFrame } from "@escapement/wire-schema";
import { createSignal } from "solid-js";
import type { JSX } from "@opentui/solid";
import { applyFrames, initialViewState, type ViewState } from "../../src/domain/index.ts";
import type { ConnectionStatus } from "../../src/transport/index.ts";
import { App, type AppActions } from "../../src/ui/app.tsx";
import { PLAIN_THEME } from "../../src/ui/theme.ts";
import { T0 } from "./frames.ts";

export const stateOf = (frames: OutboundFrame[]): ViewState => applyFrames(initialViewState(), frames);

export const renderNode = async (node: () => JSX.Element, width: number, height: number) => {
  const setup = await testRender(node, { width, height });
  await setup.renderOnce();
  return setup;
};

export const renderApp = async (
  frames: OutboundFrame[],
  size: { width: number; height: number },
  options: { status?: ConnectionStatus; actions?: Partial<AppActions>; now?: number } = {},
) => {
  const [state, setState] = createSignal(stateOf(frames));
  const [status, setStatus] = createSignal<ConnectionStatus>(options.status ?? { state: "replay", done: true });
  const calls: string[] = [];
  const actions: AppActions = {
    control: options.actions?.control ?? ((action) => (calls.push(action), true)),
    quit: options.actions?.quit ?? (() => calls.push("quit")),
  };
  const setup = await renderNode(
    () => <App state={state} status={status} actions={actions} theme={PLAIN_THEME} clock={() => options.now ?? T0 + 5_000} />,
    size.width,
    size.height,
  );
  return { ...setup, setState, setStatus, calls };
};
