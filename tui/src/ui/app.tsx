/**
 * The whole screen and its keys. Header; then LIVE over LOG with the INSPECTOR beside them (or,
 * on a narrow terminal, in LOG's place while it has the focus); a footer with hints. Tab moves the
 * focus between the three panels. The pager, the help overlay and prompt modals take the keys
 * while they are open (a prompt first, then help, then the pager).
 */
import { createMemo, createSignal, Match, onCleanup, Show, Switch, type Accessor } from "solid-js";
import { useKeyboard, useTerminalDimensions } from "@opentui/solid";
import type { TreeSitterClient } from "@opentui/core";
import type { ControlAction, Prompt, SeekTarget } from "@escapement/wire-schema";
import {
  activePrompt,
  filterLogText,
  interactive,
  lastRefusedSteer,
  liveRows,
  rowAt,
  steerOffered,
  steerTarget,
  viewNow,
  type Lane,
  type LocalEvent,
  type TextFilteredLog,
  type ViewState,
} from "../domain/index.ts";
import { createBlobReader, type BlobReader, type ConnectionStatus } from "../transport/index.ts";
import { fit } from "./format.ts";
import { Header } from "./header.tsx";
import { CONFIRM_INTERRUPT_MS, confirmPrompt, confirmStep, type Confirmable, type PendingConfirm } from "./confirm-keys.ts";
import { filterPrompt, filterStep } from "./filter-input.ts";
import { rowPrompt, rowStep } from "./row-input.ts";
import { HelpOverlay, type HelpControls } from "./help-overlay.tsx";
import { Inspector } from "./inspector.tsx";
import { inspectorLines, selectableKeys, stepKey } from "./inspector-lines.ts";
import { FOOTER_HINTS, intentOf, isDoubleEscape, mainHint, nextLaneFilter, type Intent, type KeyContext, type KeyLike } from "./key-map.ts";
import { LivePanel, selectedRow, tableRows } from "./live-panel.tsx";
import { logNav } from "./log-nav.ts";
import { LogPane, logPageRows, type LogView } from "./log-pane.tsx";
import { Pager, type PagerControls } from "./pager.tsx";
import { artifactTarget, logRowTarget, switchTurn, switchView, turnTarget, type PagerTarget } from "./pager-target.ts";
import { formIntent, newForm, type FormOutcome, type PromptForm } from "./prompt-form.ts";
import { stackRows } from "./pane-rows.ts";
import { detailTarget, withDetails } from "./row-detail.ts";
import { runErrorText, wrappedRows } from "./run-error.ts";
import { liveWall } from "./run-clock.ts";
import { PromptPanel, promptRowsWanted } from "./prompt-panel.tsx";
import { steerPrompt, steerRefusedNote, steerSentNote, steerStep } from "./steer-input.ts";
import { ThemeContext, type Theme, COLOR_THEME } from "./theme.ts";

export interface AppActions {
  /** Sends a control frame; false when it could not be sent (disconnected). */
  control(action: ControlAction): boolean;
  /** Sends a seek frame (a replay the core plays); false when it could not be sent. */
  seek?(to: SeekTarget): boolean;
  /** Sends a message for a running conversation with `id` (echoed by an error that refuses it); false when not sent. */
  steer?(conversation: string, text: string, id: string): boolean;
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

/** Rows a prompt modal wants: border, message, a spacer, its input or options, a spacer, status. */
export const promptRows = (prompt: Prompt, width: number): number => promptRowsWanted(prompt, width);

export function App(props: AppProps) {
  const dims = useTerminalDimensions();
  const theme = () => props.theme ?? COLOR_THEME;
  // Error rows open in the pager from the text the view holds (see row-detail.ts).
  const blobs = withDetails(props.blobs ?? createBlobReader(undefined));
  const clock = props.clock ?? Date.now;
  const [wall, setWall] = createSignal(clock());
  const ticker = setInterval(() => setWall(clock()), 1_000);
  onCleanup(() => clearInterval(ticker));
  // The run's clock stops while the core sends nothing (see run-clock.ts).
  const now = () => viewNow(props.state(), liveWall(props.status(), wall()));
  // A failed run's whole error sits above the footer, over as many rows as it wraps to (a quarter of the screen at most).
  const runError = createMemo(() => runErrorText(props.state()));
  const errorRows = () => {
    const text = runError();
    return text === undefined ? 0 : wrappedRows(text, dims().width - 2, Math.max(1, Math.floor(dims().height / 4)));
  };
  const layout = createMemo(() => layoutOf(dims().width, dims().height - errorRows()));

  const [focus, setFocus] = createSignal<Focus>("live");
  const [selected, setSelected] = createSignal<string | undefined>();
  const [inspected, setInspected] = createSignal<string | undefined>();
  const [logView, setLogView] = createSignal<LogView>({});
  const [lanes, setLanes] = createSignal<ReadonlySet<Lane> | undefined>();
  const [help, setHelp] = createSignal(false);
  const [pager, setPager] = createSignal<PagerTarget | undefined>();
  const [note, setNote] = createSignal<string | undefined>();
  /** A key that waits for its confirmation (Esc: interrupt, q: quit). */
  const [confirming, setConfirming] = createSignal<PendingConfirm | undefined>();
  /** The LOG filter being typed after `/`; undefined when not typing. */
  const [filterDraft, setFilterDraft] = createSignal<string | undefined>();
  /** The LOG filter applied. */
  const [logText, setLogText] = createSignal<string | undefined>();
  /** The message being typed after `m`, and the conversation it is for; undefined when not typing. */
  const [steerDraft, setSteerDraft] = createSignal<{ conversation: string; text: string } | undefined>();
  /** A message that could not go out (disconnected): `m` on the same conversation brings it back. */
  let unsent: { conversation: string; text: string } | undefined;
  let steersSent = 0;
  /** The core's newest refusal of a message; the footer says it until a key is pressed. */
  const refusedSteer = createMemo(() => lastRefusedSteer(props.state().steers));
  const [seenRefusal, setSeenRefusal] = createSignal<string | undefined>();
  let filtered: TextFilteredLog | undefined;
  /** The view the LOG shows: the rows matching the filter, as a log of their own (see log-filter.ts). */
  const logState = createMemo(() => {
    const state = props.state();
    const text = logText();
    if (text === undefined) return state;
    filtered = filterLogText(filtered, state.log, text);
    return { ...state, log: filtered.log };
  });
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

  /** LIVE, an open prompt and LOG share the rows; on a short terminal each keeps a row or two (see pane-rows.ts). */
  const lowerRows = () => {
    const prompt = modalPrompt();
    const { body, live, leftWidth } = layout();
    return stackRows(body, live, prompt ? Math.max(7, promptRows(prompt, leftWidth)) : undefined);
  };

  // In a replay the debugger is inert, unless the core offers playback control (pause, continue, step).
  const debuggerInert = () => !interactive(props.state()) && !props.state().run?.capabilities.includes("control");

  const control = (action: ControlAction) => {
    if (debuggerInert()) return setNote(`REPLAY: the debugger is inert (${action} not sent)`);
    if (!props.actions.control(action)) setNote(`${action}: not available (${props.status().state})`);
  };

  const seek = (to: SeekTarget) => {
    if (!props.state().run?.capabilities.includes("playback")) return setNote("seeking works in a replay opened with `escapement open`");
    if (!props.actions.seek?.(to)) setNote(`seek: not available (${props.status().state})`);
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

  /** `m`: a message for the conversation selected in LIVE, when it is live and the core takes messages. */
  const startSteer = () => {
    const state = props.state();
    const row = selectedRow(liveRows(state), selected());
    const target = steerTarget(state, row?.kind === "conversation" ? row.conversation : undefined);
    if (!target.ok) return setNote(target.why);
    const text = unsent?.conversation === target.conversation ? unsent.text : "";
    return setSteerDraft({ conversation: target.conversation, text });
  };

  const sendSteer = (conversation: string, text: string) => {
    const state = props.state();
    // The conversation may have ended, or the run finished, while the message was typed.
    const target = steerTarget(state, state.conversations.get(conversation));
    unsent = { conversation, text };
    if (!target.ok) return setNote(target.why);
    const id = `steer-${++steersSent}`;
    if (!props.actions.steer?.(conversation, text, id)) return setNote(`message not sent: not connected (${props.status().state}); m brings it back`);
    unsent = undefined;
    setSeenRefusal(refusedSteer()?.id);
    props.local?.({ kind: "steer-sent", id, conversation });
    setNote(steerSentNote(conversation));
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
    const log = logState().log;
    const rows = logPageRows(lowerRows().log || layout().lower);
    if (intent.kind === "move" || intent.kind === "page" || intent.kind === "edge") {
      return setLogView((view) => logNav(log, view, intent, rows, lanes()));
    }
    if (intent.kind === "open") {
      const cursor = logView().cursor;
      const row = cursor === undefined ? undefined : rowAt(log, cursor);
      if (!row) return setNote("move to a LOG row first (↑ ↓)");
      const detail = detailTarget(row);
      if (detail) blobs.show(row);
      return openTarget(logRowTarget(row, props.state()) ?? detail, `${row.event} has nothing more to show than its line`);
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
      case "seek":
        return seek(intent.to);
      case "goto-row":
        if (!props.state().run?.capabilities.includes("playback")) return setNote("seeking works in a replay opened with `escapement open`");
        return setRowDraft("");
      case "toggle-help":
        return setHelp(true);
      case "filter":
        setFocus("log");
        return setFilterDraft(logText() ?? "");
      case "steer":
        return startSteer();
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

  /** The row number being typed after `:` (a replay's go-to-row); undefined when not typing. */
  const [rowDraft, setRowDraft] = createSignal<string | undefined>();
  const onRowKey = (digits: string, key: KeyLike) => {
    const step = rowStep(digits, key);
    if (step.kind === "ignore") return;
    if (step.kind === "edit") return setRowDraft(step.digits);
    setRowDraft(undefined);
    if (step.kind === "go") seek(step.row);
  };

  /** Typing a message: the keys edit it until Enter sends it or Esc drops it. */
  const onSteerKey = (draft: { conversation: string; text: string }, key: KeyLike) => {
    const step = steerStep(draft.text, key);
    if (step.kind === "ignore") return;
    if (step.kind === "edit") return setSteerDraft({ ...draft, text: step.text });
    setSteerDraft(undefined);
    if (step.kind === "send") sendSteer(draft.conversation, step.text);
    else unsent = undefined;
  };

  /** Typing the LOG filter: the keys edit it until Enter applies it or Esc clears it. */
  const onFilterKey = (draft: string, key: KeyLike) => {
    const step = filterStep(draft, key);
    if (step.kind === "ignore") return;
    if (step.kind === "edit") return setFilterDraft(step.text);
    setFilterDraft(undefined);
    setLogView({});
    filtered = undefined;
    setLogText(step.kind === "apply" ? step.text : undefined);
  };

  /** Whether quitting ends something still going on (a live run, not a replay or a finished run). */
  const runIsLive = () => interactive(props.state()) && !props.state().finished && props.status().state !== "closed";
  const mustAsk = (action: Confirmable): boolean => (action === "quit" ? runIsLive() : !debuggerInert());
  const confirmableOf = (intent: Intent | undefined): Confirmable | undefined =>
    intent?.kind === "ask-quit" ? "quit" : intent?.kind === "control" && intent.action === "interrupt" ? "interrupt" : undefined;

  /** Handles a key that asks, or answers, a confirmation; false when the key is not about one. */
  const onConfirm = (ctx: KeyContext, intent: Intent | undefined, key: KeyLike): boolean => {
    const asks = ctx === "main" ? confirmableOf(intent) : undefined;
    const yes = ctx === "main" && key.sequence === "y" && !key.ctrl && !key.meta;
    const pending = confirming();
    const twice = isDoubleEscape(key);
    const step = confirmStep(pending, { ...(asks ? { asks } : {}), yes, twice }, clock(), asks !== undefined && mustAsk(asks));
    if (pending) setConfirming(undefined);
    switch (step.kind) {
      case "pass":
        return false;
      case "ask": {
        setNote(undefined);
        setConfirming(step.pending);
        // The question goes from the footer once it has lapsed.
        if (step.pending.action === "interrupt") setTimeout(() => setConfirming((p) => (p === step.pending ? undefined : p)), CONFIRM_INTERRUPT_MS);
        return true;
      }
      case "do":
        setNote(undefined);
        if (step.action === "quit") props.actions.quit();
        else control("interrupt");
        return true;
      case "dropped":
        setNote(undefined);
        return true;
    }
  };

  let helpControls: HelpControls | undefined;
  useKeyboard((key) => {
    const ctx = context();
    const intent = intentOf(ctx, key, modalPrompt()?.kind);
    // Ctrl-C quits from everywhere, at once.
    if (intent?.kind === "quit") return props.actions.quit();
    const draft = filterDraft();
    if (draft !== undefined && ctx === "main") return onFilterKey(draft, key);
    const rowDigits = rowDraft();
    if (rowDigits !== undefined && ctx === "main") return onRowKey(rowDigits, key);
    const steering = steerDraft();
    if (steering !== undefined && ctx === "main") return onSteerKey(steering, key);
    if (onConfirm(ctx, intent, key)) return;
    if (!intent) return;
    setNote(undefined);
    setSeenRefusal(refusedSteer()?.id);
    switch (ctx) {
      case "prompt":
        return onPrompt(intent);
      case "help":
        if (intent.kind === "move") return helpControls?.scrollBy(intent.by);
        if (intent.kind === "page") return helpControls?.page(intent.by);
        if (intent.kind === "edge") return helpControls?.edge(intent.to);
        return setHelp(false);
      case "pager":
        return onPager(intent);
      case "main":
        return onMain(intent);
    }
  });

  /** With the LOG's cursor on a row that has a blob, or an error's whole text: where Enter goes. */
  const cursorHint = () => {
    if (context() !== "main" || focus() !== "log") return undefined;
    const cursor = logView().cursor;
    const row = cursor === undefined ? undefined : rowAt(logState().log, cursor);
    if (row?.ref) return `Enter open ${row.ref}  ·  End follow  ·  ? keys`;
    return row?.detail !== undefined ? "Enter open the whole error  ·  End follow  ·  ? keys" : undefined;
  };

  /** The applied LOG filter, ahead of the usual hints. */
  const filterHint = () => {
    const text = logText();
    return text === undefined || context() !== "main" ? undefined : `LOG filter /${text} (/ then Esc clears)  ·  ${hint()}`;
  };

  /** The hint of the context, naming `m` where a message can go. */
  const hint = () => (context() === "main" ? mainHint(steerOffered(props.state())) : FOOTER_HINTS[context()]);

  /** The core's refusal of a message, until a key is pressed after it came. */
  const refusalNote = () => {
    const refused = refusedSteer();
    if (!refused || refused.id === seenRefusal()) return undefined;
    return steerRefusedNote(refused.conversation, refused.error?.code ?? "refused", refused.error?.message ?? "");
  };

  const footer = () => {
    const draft = filterDraft();
    if (draft !== undefined && context() === "main") return filterPrompt(draft);
    const rowDigits = rowDraft();
    if (rowDigits !== undefined && context() === "main") return rowPrompt(rowDigits);
    const steering = steerDraft();
    if (steering !== undefined && context() === "main") return steerPrompt(steering.conversation, steering.text, dims().width - 1);
    const pending = confirming();
    if (pending) return confirmPrompt(pending);
    const prompt = activePrompt(props.state());
    const replayPrompt = prompt && !interactive(props.state()) ? `REPLAY · ${prompt.kind} prompt open, not answerable: ${prompt.message}` : undefined;
    return refusalNote() ?? note() ?? replayPrompt ?? cursorHint() ?? filterHint() ?? hint();
  };

  const lowerPanel = () => (modalPrompt() ? "prompt" : !layout().wide && focus() === "inspector" ? "inspector" : "log");

  return (
    <ThemeContext.Provider value={theme()}>
      <box flexDirection="column" width={dims().width} height={dims().height}>
        <Header state={props.state} now={now} status={props.status} />
        <Switch>
          <Match when={!modalPrompt() && help()}>
            <HelpOverlay height={layout().body} width={dims().width} controls={(controls) => (helpControls = controls)} />
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
                  height={lowerRows().live}
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
                    state={logState}
                    view={logView}
                    lanes={lanes}
                    filterText={logText}
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
        <Show when={runError()}>
          {(text) => (
            <box height={errorRows()} flexShrink={0} paddingLeft={1} paddingRight={1}>
              <text wrapMode="word" fg={theme().error}>
                {text()}
              </text>
            </box>
          )}
        </Show>
        <text wrapMode="none" fg={theme().dim} flexShrink={0}>
          {fit(` ${footer()}`, dims().width)}
        </text>
      </box>
    </ThemeContext.Provider>
  );
}
