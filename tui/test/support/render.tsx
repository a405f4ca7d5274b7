/** Renders the app (or one component) over a fixed view state at a fixed terminal size. */
import { testRender } from "@opentui/solid";
import type { OutboundFrame } from "@escapement/wire-schema";
import { createSignal } from "solid-js";
import type { JSX } from "@opentui/solid";
import { applyFrame, applyFrames, applyLocal, initialViewState, type ViewState } from "../../src/domain/index.ts";
import type { BlobReader, ConnectionStatus } from "../../src/transport/index.ts";
import { App, type AppActions } from "../../src/ui/app.tsx";
import { PLAIN_THEME, type Theme } from "../../src/ui/theme.ts";
import { T0 } from "./frames.ts";

export const stateOf = (frames: OutboundFrame[]): ViewState => applyFrames(initialViewState(), frames);

/** Renders at a fixed size. The kitty keyboard protocol makes a lone Esc unambiguous (no timeout). */
export const renderNode = async (node: () => JSX.Element, width: number, height: number) => {
  const setup = await testRender(node, { width, height, kittyKeyboard: true });
  await setup.renderOnce();
  return setup;
};

/** Key names of the key map, as the mock keyboard takes them. */
const NAMED_KEYS: Readonly<Record<string, string>> = {
  escape: "ESCAPE",
  tab: "TAB",
  return: "RETURN",
  up: "ARROW_UP",
  down: "ARROW_DOWN",
  left: "ARROW_LEFT",
  right: "ARROW_RIGHT",
  home: "HOME",
  end: "END",
  pageup: "\u001b[5~",
  pagedown: "\u001b[6~",
  space: " ",
  backspace: "BACKSPACE",
};

export interface SentAnswer {
  readonly id: string;
  readonly promptId: string;
  readonly value?: unknown;
  readonly cancelled?: true;
}

export interface SentSteer {
  readonly id: string;
  readonly conversation: string;
  readonly text: string;
}

/** Blobs from a map of ref -> text; refs not in it are missing. */
export const memoryBlobs = (files: Record<string, string>, sessionDir = "/sessions/s-1"): BlobReader => ({
  sessionDir,
  read: async (ref) =>
    ref in files
      ? { ok: true, text: files[ref] as string, bytes: (files[ref] as string).length, truncated: false }
      : { ok: false, message: `Blob missing: ${ref} is not in ${sessionDir}.` },
});

export const renderApp = async (
  frames: OutboundFrame[],
  size: { width: number; height: number },
  options: {
    status?: ConnectionStatus;
    actions?: Partial<AppActions>;
    now?: number;
    blobs?: BlobReader;
    theme?: Theme;
  } = {},
) => {
  const [state, setState] = createSignal(stateOf(frames));
  const [status, setStatus] = createSignal<ConnectionStatus>(options.status ?? { state: "replay", done: true });
  const calls: string[] = [];
  const answers: SentAnswer[] = [];
  const steers: SentSteer[] = [];
  const actions: AppActions = {
    control: options.actions?.control ?? ((action) => (calls.push(action), true)),
    answer: options.actions?.answer ?? ((promptId, value, id) => (answers.push({ id, promptId, value }), true)),
    cancelPrompt: options.actions?.cancelPrompt ?? ((promptId, id) => (answers.push({ id, promptId, cancelled: true }), true)),
    quit: options.actions?.quit ?? (() => calls.push("quit")),
    steer: options.actions?.steer ?? ((conversation, text, id) => (steers.push({ id, conversation, text }), true)),
  };
  const setup = await renderNode(
    () => (
      <App
        state={state}
        status={status}
        actions={actions}
        local={(event) => setState((s) => applyLocal(s, event))}
        theme={options.theme ?? PLAIN_THEME}
        clock={() => options.now ?? T0 + 5_000}
        {...(options.blobs ? { blobs: options.blobs } : {})}
      />
    ),
    size.width,
    size.height,
  );
  /** Applies more frames, as the store would, and renders. */
  const push = async (...more: OutboundFrame[]) => {
    setState((s) => more.reduce(applyFrame, s));
    await setup.renderOnce();
  };
  /** Presses keys (names as the key map spells them, or characters) and renders once. */
  const keys = async (...names: string[]) => {
    for (const name of names) setup.mockInput.pressKey(NAMED_KEYS[name] ?? name);
    await setup.renderOnce();
  };
  /** Types `text` one character at a time, as a user would. */
  const type = async (text: string) => {
    for (const char of text) setup.mockInput.pressKey(char);
    await setup.renderOnce();
  };
  return { ...setup, state, setState, setStatus, calls, answers, steers, push, keys, type };
};
