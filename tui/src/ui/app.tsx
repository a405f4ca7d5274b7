/**
 * The whole screen and its keys. Header; then LIVE over LOG with the INSPECTOR beside them (or,
 * on a narrow terminal, in LOG's place while it has the focus); a footer with hints. Tab moves the
 * focus between the three panels. The pager, the help overlay and prompt modals take the keys
 * while they are open (a prompt first, then help, then the pager).
 */
import { createMemo, createSignal, Match, onCleanup, Show, Switch, type Accessor } from "solid-js";
import { useKeyboard, useTerminalDimensions } from "@opentui/solid";
import type { TreeSitterClient } from "@opentui/core";
import type { ControlAction, Prompt } from "@escapement/wire-schema";
import { activePrompt, interactive, liveRows, rowAt, viewNow, type Lane, type LocalEvent, type ViewState } from "../domain/index.ts";
import { createBlobReader, type BlobReader, type ConnectionStatus } from "../transport/index.ts";
import { fit } from "./format.ts";
import { Header } from "./header.tsx";
import { HelpOverlay } from "./help-overlay.tsx";
import { Inspector } from "./inspector.tsx";
import { inspectorLines, selectableKeys, stepKey } from "./inspector-lines.ts";
import { FOOTER_HINTS, intentOf, nextLaneFilter, type Intent, type KeyContext } from "./key-map.ts";
import { LivePanel, selectedRow, tableRows } from "./live-panel.tsx";
import { logNav } from "./log-nav.ts";
import { LogPane, logPageRows, type LogView } from "./log-pane.tsx";
import { Pager, type PagerControls } from "./pager.tsx";
import { artifactTarget, logRowTarget, switchTurn, switchView, turnTarget, type PagerTarget } from "./pager-target.ts";
import { formIntent, newForm, type FormOutcome, type PromptForm } from "./prompt-form.ts";
import { PromptPanel } from "./prompt-panel.tsx";
import { ThemeContext, type Theme, COLOR_THEME } from "./theme.ts";

export interface AppActions {
  /** Sends a control frame; false when it could not be sent (disconnected). */
  control(action: ControlAction): boolean;
  /** Sends an answer with `id` (echoed by an error that refuses it); false when not connected. */
  answer(promptId: string, value: unknown, id: string): boolean;
  cancelPrompt(promptId: string, id: string): boolean;
  quit(): void;
}

export interface AppProps {
  state: Accessor<ViewState>;
  status: Accessor<ConnectionStatus>;
  actions: AppActions;
  /** Applies renderer-side facts (answers sent) to the store. */
  local?: (event: LocalEvent) => void;
  /** Reads io blobs and artifacts for the pager; without one the pager says how to get one. */
  blobs?: BlobReader;
  theme?: Theme;
  /** Wall clock, injectable for tests. */
  clock?: () => number;
  /** Markdown highlighting client for the pager (tests pass a mock). */
  treeSitterClient?: TreeSitterClient;
}

export type Focus = "live" | "log" | "inspector";
export const FOCUS_ORDER: readonly Focus[] = ["live", "log", "inspector"];

const HEADER_ROWS = 2;
const FOOTER_ROWS = 1;
/** From this width on the INSPECTOR sits beside LIVE and LOG. */
export const WIDE_MIN = 110;

export interface Layout {
  /** Rows between the header and the footer. */
  readonly body: number;
  readonly live: number;
  /** Rows under LIVE (LOG, a prompt, or a narrow INSPECTOR). */
  readonly lower: number;
  readonly wide: boolean;
  readonly leftWidth: number;
  readonly inspectorWidth: number;
}

export const layoutOf = (width: number, height: number): Layout => {
  const body = Math.max(8, height - HEADER_ROWS - FOOTER_ROWS);
  const live = Math.max(6, Math.floor(body * 0.42));
  const wide = width >= WIDE_MIN;
  const inspectorWidth = wide ? Math.min(60, Math.max(40, Math.floor(width * 0.4))) : width;
  return { body, live, lower: body - live, wide, leftWidth: wide ? width - inspectorWidth : width, inspectorWidth };
};

/** Rows a prompt modal needs: border, message, a spacer, its input or options, a spacer, status. */
export const promptRows = (prompt: Prompt, width: number): number => {
  const inner = Math.max(10, width - 4);
  const message = Math.min(4, Math.max(1, Math.ceil(prompt.message.length / inner)));
  const body = prompt.kind === "select" || prompt.kind === "multi-select" ? Math.max(1, prompt.options?.length ?? 0) : 1;
  return 2 + message + 1 + body + 1 + 1;
};

export function App(props: AppProps) {
  const dims = useTerminalDimensions();
  const theme = () => props.theme ?? COLOR_THEME;
  const blobs = props.blobs ?? createBlobReader(undefined);
  const clock = props.clock ?? Date.now;
  const [wall, setWall] = createSignal(clock());
  const ticker = setInterval(() => setWall(clock()), 1_000);
  onCleanup(() => clearInterval(ticker));
  const now = () => viewNow(props.state(), wall());
  const layout = createMemo(() => layoutOf(dims().width, dims().height));

  const [focus, setFocus] = createSignal<Focus>("live");
  const [selected, setSelected] = createSignal<string | undefined>();
  const [inspected, setInspected] = createSignal<string | undefined>();
  const [logView, setLogView] = createSignal<LogView>({});
  const [lanes, setLanes] = createSignal<ReadonlySet<Lane> | undefined>();
  const [help, setHelp] = createSignal(false);
  const [pager, setPager] = createSignal<PagerTarget | undefined>();
  const [note, setNote] = createSignal<string | undefined>();
  let pagerControls: PagerControls | undefined;

  // Prompts: the oldest open one gets a modal, unless this is a replay (then prompts are inert).
  const modalPrompt = createMemo(() => (interactive(props.state()) ? activePrompt(props.state()) : undefined));
  const modalId = createMemo(() => modalPrompt()?.promptId);
  const [storedForm, setStoredForm] = createSignal<PromptForm | undefined>();
  const form = (): PromptForm | undefined => {
    const prompt = modalPrompt();
    if (!prompt) return undefined;
    const stored = storedForm();
    return stored?.promptId === prompt.promptId ? stored : newForm(prompt);
  };
  let answersSent = 0;

  const context = (): KeyContext => (modalPrompt() ? "prompt" : help() ? "help" : pager() ? "pager" : "main");

  const lowerRows = () => {
    const prompt = modalPrompt();
    const { lower, leftWidth } = layout();
    if (!prompt) return { prompt: 0, log: lower };
    const wanted = Math.min(lower, Math.max(7, promptRows(prompt, leftWidth)));
    // LOG keeps the rest when at least one row of it fits.
    return lower - wanted >= 3 ? { prompt: wanted, log: lower - wanted } : { prompt: lower, log: 0 };
  };

  const control = (action: ControlAction) => {
    // In a replay the debugger is inert, unless the core offers playback control (pause, continue, step).
    if (!interactive(props.state()) && !props.state().run?.capabilities.includes("control")) {
      return setNote(`REPLAY: the debugger is inert (${action} not sent)`);
    }
    if (!props.actions.control(action)) setNote(`${action}: not available (${props.status().state})`);
  };

  const send = (prompt: Prompt, outcome: Exclude<FormOutcome, { send: "none" }>) => {
    const id = `ans-${++answersSent}`;
    const cancelled = outcome.send === "cancel";
    const ok = cancelled ? props.actions.cancelPrompt(prompt.promptId, id) : props.actions.answer(prompt.promptId, outcome.value, id);
    props.local?.(
      ok
        ? { kind: "answer-sent", id, promptId: prompt.promptId, cancelled }
        : { kind: "answer-not-sent", id, promptId: prompt.promptId, cancelled, reason: `not connected (${props.status().state})` },
    );
  };

  const onPrompt = (intent: Intent) => {
    const prompt = modalPrompt();
    const current = form();
    if (!prompt || !current) return;
    const { form: next, outcome } = formIntent(prompt, current, intent);
    setStoredForm(next);
    if (outcome.send !== "none") send(prompt, outcome);
  };

  const openTarget = (target: PagerTarget | undefined, nothing: string) => {
    if (target) setPager(target);
    else setNote(nothing);
  };

  const onLive = (intent: Intent) => {
    const rows = liveRows(props.state());
    const current = selectedRow(rows, selected());
    if (!current) return;
    const index = rows.indexOf(current);
    const pick = (i: number) => setSelected(rows[Math.min(rows.length - 1, Math.max(0, i))]?.key);
    switch (intent.kind) {
      case "move":
        return pick(index + intent.by);
      case "page":
        return pick(index + intent.by * tableRows(layout().live, rows.length));
      case "edge":
        return pick(intent.to === "first" ? 0 : rows.length - 1);
      case "open":
        if (current.kind !== "conversation") return setNote("a child session has its own session directory");
        return openTarget(turnTarget(current.conversation), `${current.conversation.invokeId} has no turns yet`);
    }
  };

  const onLog = (intent: Intent) => {
    const log = props.state().log;
    const rows = logPageRows(lowerRows().log || layout().lower);
    if (intent.kind === "move" || intent.kind === "page" || intent.kind === "edge") {
      return setLogView((view) => logNav(log, view, intent, rows, lanes()));
    }
    if (intent.kind === "open") {
      const cursor = logView().cursor;
      const row = cursor === undefined ? undefined : rowAt(log, cursor);
      if (!row) return setNote("move to a LOG row first (↑ ↓)");
      return openTarget(logRowTarget(row, props.state()), `${row.event} has no blob to open`);
    }
  };

  const onInspector = (intent: Intent) => {
    const keys = selectableKeys(inspectorLines(props.state(), now()));
    switch (intent.kind) {
      case "move":
        return setInspected((key) => stepKey(keys, key, intent.by));
      case "page":
        return setInspected((key) => stepKey(keys, key, intent.by * 5));
      case "edge":
        return setInspected(intent.to === "first" ? keys[0] : keys.at(-1));
      case "open": {
        const key = inspected();
        if (!key) return setNote("select an invocation or an artifact first (↑ ↓)");
        if (key.startsWith("inv:")) {
          const c = props.state().conversations.get(key.slice(4));
          return openTarget(c && turnTarget(c), `${key.slice(4)} has no turns yet`);
        }
        const artifact = props.state().artifacts.find((a) => `art:${a.name}` === key);
        return openTarget(artifact && artifactTarget(artifact), "that artifact is gone");
      }
    }
  };

  const onMain = (intent: Intent) => {
    switch (intent.kind) {
      case "focus": {
        const index = FOCUS_ORDER.indexOf(focus());
        return setFocus(FOCUS_ORDER[(index + intent.by + FOCUS_ORDER.length) % FOCUS_ORDER.length] ?? "live");
      }
      case "move":
      case "page":
      case "edge":
      case "open":
        return focus() === "live" ? onLive(intent) : focus() === "log" ? onLog(intent) : onInspector(intent);
      case "cycle-lanes":
        setLogView({});
        return setLanes((current) => nextLaneFilter(current));
      case "control":
        return control(intent.action);
      case "toggle-help":
        return setHelp(true);
    }
  };

  const onPager = (intent: Intent) => {
    switch (intent.kind) {
      case "move":
        return pagerControls?.scrollBy(intent.by);
      case "page":
        return pagerControls?.page(intent.by);
      case "edge":
        return pagerControls?.edge(intent.to);
      case "switch-view":
        return setPager((target) => target && switchView(target));
      case "switch-turn":
        return setPager((target) => target && switchTurn(target, props.state(), intent.by));
      case "close":
        return setPager(undefined);
      case "toggle-help":
        return setHelp(true);
    }
  };

  useKeyboard((key) => {
    const ctx = context();
    const intent = intentOf(ctx, key, modalPrompt()?.kind);
    if (!intent) return;
    setNote(undefined);
    if (intent.kind === "quit") return props.actions.quit();
    switch (ctx) {
      case "prompt":
        return onPrompt(intent);
      case "help":
        return setHelp(false);
      case "pager":
        return onPager(intent);
      case "main":
        return onMain(intent);
    }
  });

  /** With the LOG's cursor on a row that has a blob: where Enter goes. */
  const cursorHint = () => {
    if (context() !== "main" || focus() !== "log") return undefined;
    const cursor = logView().cursor;
    const row = cursor === undefined ? undefined : rowAt(props.state().log, cursor);
    return row?.ref ? `Enter open ${row.ref}  ·  End follow  ·  ? keys` : undefined;
  };

  const footer = () => {
    const prompt = activePrompt(props.state());
    const replayPrompt = prompt && !interactive(props.state()) ? `REPLAY · ${prompt.kind} prompt open, not answerable: ${prompt.message}` : undefined;
    return note() ?? replayPrompt ?? cursorHint() ?? FOOTER_HINTS[context()];
  };

  const lowerPanel = () => (modalPrompt() ? "prompt" : !layout().wide && focus() === "inspector" ? "inspector" : "log");

  return (
    <ThemeContext.Provider value={theme()}>
      <box flexDirection="column" width={dims().width} height={dims().height}>
        <Header state={props.state} now={now} status={props.status} />
        <Switch>
          <Match when={!modalPrompt() && help()}>
            <HelpOverlay height={layout().body} width={dims().width} />
          </Match>
          <Match when={!modalPrompt() && pager()}>
            {(target) => (
              <Pager
                target={target}
                state={props.state}
                blobs={blobs}
                width={() => dims().width}
                height={() => layout().body}
                controls={(c) => (pagerControls = c)}
                {...(props.treeSitterClient ? { treeSitterClient: props.treeSitterClient } : {})}
              />
            )}
          </Match>
          <Match when={true}>
            <box flexDirection="row" height={layout().body} flexShrink={0}>
              <box flexDirection="column" width={layout().leftWidth} flexShrink={0}>
                <LivePanel
                  state={props.state}
                  now={now}
                  selected={selected}
                  height={layout().live}
                  width={() => layout().leftWidth}
                  focused={() => focus() === "live" && !modalPrompt()}
                />
                <Show when={lowerPanel() === "prompt" && modalId()} keyed>
                  {(promptId) => {
                    // Keyed by prompt id: a progress update replaces the prompt object, not the modal.
                    const prompt = () => modalPrompt() ?? props.state().prompts[0]!;
                    return (
                      <PromptPanel
                        prompt={prompt}
                        form={() => form() ?? newForm(prompt())}
                        answer={() => props.state().answers.get(promptId)}
                        position={() => [1, props.state().prompts.length] as const}
                        width={() => layout().leftWidth}
                        height={() => lowerRows().prompt}
                        onText={(text) => setStoredForm({ ...(form() ?? newForm(prompt())), text })}
                      />
                    );
                  }}
                </Show>
                <Show when={lowerPanel() === "inspector"}>
                  <Inspector
                    state={props.state}
                    now={now}
                    selected={inspected}
                    focused={() => true}
                    width={() => layout().leftWidth}
                    height={() => layout().lower}
                  />
                </Show>
                <Show when={lowerPanel() !== "inspector" && lowerRows().log > 0}>
                  <LogPane
                    state={props.state}
                    view={logView}
                    lanes={lanes}
                    focused={() => focus() === "log" && !modalPrompt()}
                    width={() => layout().leftWidth}
                    height={() => lowerRows().log}
                  />
                </Show>
              </box>
              <Show when={layout().wide}>
                <Inspector
                  state={props.state}
                  now={now}
                  selected={inspected}
                  focused={() => focus() === "inspector" && !modalPrompt()}
                  width={() => layout().inspectorWidth}
                  height={() => layout().body}
                />
              </Show>
            </box>
          </Match>
        </Switch>
        <text wrapMode="none" fg={theme().dim} flexShrink={0}>
          {fit(` ${footer()}`, dims().width)}
        </text>
      </box>
    </ThemeContext.Provider>
  );
}
