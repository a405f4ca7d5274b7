/**
 * The modal for an open prompt: a text input, a list to pick one or several options, a yes/no
 * question, or a progress bar. It opens by itself when a prompt opens, holds the keys while it is
 * open, and shows why an answer was refused. On a short terminal the spacers and then the
 * message's earlier lines give way; a list longer than its rows scrolls with the cursor, marks
 * the options above and below, and says which option of how many the cursor is on.
 */
import { Index, Match, Show, Switch, untrack, type Accessor } from "solid-js";
import type { Prompt } from "@escapement/wire-schema";
import { defaultConfirm, progressOf, promptOptions, type AnswerView } from "../domain/index.ts";
import { fit, padEnd, tailLines } from "./format.ts";
import { displayWidth } from "./text-width.ts";
import { wrapText } from "./word-wrap.ts";
import type { PromptForm } from "./prompt-form.ts";
import { useTheme } from "./theme.ts";

export interface PromptPanelProps {
  prompt: Accessor<Prompt>;
  form: Accessor<PromptForm>;
  /** This renderer's answer to the prompt, once sent. */
  answer: Accessor<AnswerView | undefined>;
  /** Position among open prompts, e.g. [1, 2]. */
  position: Accessor<readonly [number, number]>;
  width: Accessor<number>;
  height: Accessor<number>;
  onText: (text: string) => void;
}

/** "██████░░░░  6 / 10  60%" in `width` cells. */
export const progressBar = (value: number, total: number, fraction: number, width: number): string => {
  const label = total > 0 ? `  ${value} / ${total}  ${Math.round(fraction * 100)}%` : "  waiting…";
  const bar = Math.max(4, width - label.length);
  const full = Math.round(fraction * bar);
  return fit(`${"█".repeat(full)}${"░".repeat(bar - full)}${label}`, width);
};

const HINTS: Readonly<Record<Prompt["kind"], string>> = {
  text: "Enter submit · Esc cancel",
  select: "↑↓ choose · Enter submit · Esc cancel",
  "multi-select": "↑↓ move · Space toggle · Enter submit · Esc cancel",
  confirm: "y yes · n no · Esc cancel",
  progress: "Esc cancel",
};

const isList = (prompt: Prompt): boolean => prompt.kind === "select" || prompt.kind === "multi-select";

/** Rows the body of a prompt wants: its options, or one line (input, [y/n], progress bar). */
const bodyRows = (prompt: Prompt): number => (isList(prompt) ? Math.max(1, promptOptions(prompt).length) : 1);

/** Lines of the message shown at most. */
const MESSAGE_MAX = 4;

/** Cells inside the modal's border and padding. */
export const promptInner = (width: number): number => Math.max(10, width - 4);

/** Rows a prompt modal wants: border, message, a spacer, its input or options, a spacer, status. */
export const promptRowsWanted = (prompt: Prompt, width: number): number => {
  const message = Math.min(MESSAGE_MAX, Math.max(1, wrapText(prompt.message, promptInner(width)).length));
  return 2 + message + 1 + bodyRows(prompt) + 1 + 1;
};

/** How `height` rows (border included) are shared: the status line, the message, spacers, the body. */
export const promptParts = (height: number, messageLines: number, wanted: number): { message: number; spacers: number; body: number } => {
  const inner = Math.max(3, height - 2);
  const bodyMin = Math.min(wanted, 2);
  let message = Math.min(MESSAGE_MAX, Math.max(1, messageLines));
  let spacers = 2;
  while (spacers > 0 && inner - 1 - message - spacers < bodyMin) spacers--;
  if (inner - 1 - message - spacers < bodyMin) message = Math.max(1, inner - 1 - bodyMin);
  return { message, spacers, body: Math.max(1, inner - 1 - message - spacers) };
};

/** The options shown in `rows` rows: a window that keeps the cursor in view. */
export const optionWindow = (count: number, cursor: number, rows: number): { start: number; end: number } => {
  const shown = Math.max(1, Math.min(count, rows));
  const start = Math.min(Math.max(0, cursor - shown + 1), Math.max(0, count - shown));
  return { start, end: start + shown };
};

/**
 * One option line in `width` cells: the cursor, the check box, the label, and at the window's
 * first and last line how many options are hidden above ("↑2") or below ("↓3").
 */
export const optionLine = (label: string, at: { cursor: boolean; box?: boolean; above?: number; below?: number }, width: number): string => {
  const mark = at.above ? `↑${at.above}` : at.below ? `↓${at.below}` : "";
  const head = `${at.cursor ? "›" : " "} ${at.box === undefined ? "" : at.box ? "[x] " : "[ ] "}`;
  if (!mark) return fit(head + label, width);
  return `${padEnd(head + label, Math.max(1, width - displayWidth(mark) - 1))} ${mark}`;
};

/** The status line: why the answer was refused, that it is on its way, or the keys. */
export const promptStatus = (prompt: Prompt, form: PromptForm, answer: AnswerView | undefined): { text: string; tone: "error" | "dim" | "warn" } => {
  if (form.problem) return { text: `✗ ${form.problem}`, tone: "error" };
  if (answer?.status === "rejected" && answer.error) {
    const prefix = answer.error.code === "not-sent" ? "not sent: " : "";
    return { text: `✗ ${prefix}${answer.error.message}`, tone: "error" };
  }
  if (answer?.status === "sending") return { text: answer.cancelled ? "cancelling…" : "sent, waiting for the core…", tone: "warn" };
  if (prompt.kind === "confirm") {
    const d = defaultConfirm(prompt);
    return { text: d === undefined ? HINTS.confirm : `${HINTS.confirm} · Enter ${d ? "yes" : "no"}`, tone: "dim" };
  }
  if (isList(prompt)) return { text: `${form.index + 1}/${promptOptions(prompt).length} · ${HINTS[prompt.kind]}`, tone: "dim" };
  return { text: HINTS[prompt.kind], tone: "dim" };
};

export function PromptPanel(props: PromptPanelProps) {
  const theme = useTheme();
  const inner = () => promptInner(props.width());
  const parts = () => promptParts(props.height(), wrapText(props.prompt().message, inner()).length, bodyRows(props.prompt()));
  /** The message's last lines (where the question is), "…" first when earlier lines do not fit. */
  const message = () => {
    const all = tailLines(props.prompt().message, inner(), Number.MAX_SAFE_INTEGER);
    const shown = tailLines(props.prompt().message, inner(), parts().message);
    return all.length > shown.length ? shown.map((line, i) => (i === 0 ? fit(`…${line}`, inner()) : line)) : shown;
  };
  const options = () => {
    const all = promptOptions(props.prompt());
    const { start, end } = optionWindow(all.length, props.form().index, parts().body);
    return all.slice(start, end).map((o, k) => ({
      ...o,
      i: start + k,
      above: k === 0 && start > 0 ? start : undefined,
      below: start + k === end - 1 && end < all.length ? all.length - end : undefined,
    }));
  };
  const optionText = (option: { label: string; i: number; above: number | undefined; below: number | undefined }) =>
    optionLine(
      option.label,
      {
        cursor: option.i === props.form().index,
        ...(props.prompt().kind === "multi-select" ? { box: props.form().chosen.has(option.i) } : {}),
        ...(option.above ? { above: option.above } : {}),
        ...(option.below ? { below: option.below } : {}),
      },
      inner(),
    );
  const status = () => promptStatus(props.prompt(), props.form(), props.answer());
  const title = () => {
    const [n, of] = props.position();
    return `▸ PROMPT${of > 1 ? ` ${n}/${of}` : ""} · ${props.prompt().kind} · ${props.prompt().invokeId}`;
  };
  const progress = () => progressOf(props.prompt());
  return (
    <box
      title={fit(title(), inner())}
      border
      borderStyle="double"
      borderColor={theme.focus}
      width={props.width()}
      height={props.height()}
      flexShrink={0}
      flexDirection="column"
      paddingLeft={1}
      paddingRight={1}
    >
      <Index each={message()}>
        {(line) => (
          <text wrapMode="none">
            <b>{line()}</b>
          </text>
        )}
      </Index>
      <Show when={parts().spacers > 0}>
        <text wrapMode="none"> </text>
      </Show>
      <Switch>
        <Match when={props.prompt().kind === "text"}>
          <box flexDirection="row" height={1}>
            <text fg={theme.accent} wrapMode="none" flexShrink={0}>
              {"> "}
            </text>
            <input
              focused
              value={untrack(() => props.form().text)}
              flexGrow={1}
              onInput={(value: string) => props.onText(value)}
              {...(theme.text === undefined ? {} : { textColor: theme.text, focusedTextColor: theme.text })}
              {...(theme.accent === undefined ? {} : { cursorColor: theme.accent })}
            />
          </box>
        </Match>
        <Match when={props.prompt().kind === "select" || props.prompt().kind === "multi-select"}>
          <Index each={options()}>
            {(option) => (
              <text
                fg={option().i === props.form().index ? theme.accent : theme.text}
                bg={option().i === props.form().index ? theme.selectedBg : undefined}
                wrapMode="none"
              >
                {optionText(option())}
              </text>
            )}
          </Index>
        </Match>
        <Match when={props.prompt().kind === "confirm"}>
          <text fg={theme.accent} wrapMode="none">
            {defaultConfirm(props.prompt()) === false ? "[y/N]" : defaultConfirm(props.prompt()) === true ? "[Y/n]" : "[y/n]"}
          </text>
        </Match>
        <Match when={props.prompt().kind === "progress"}>
          <text fg={theme.ok} wrapMode="none">
            {progressBar(progress().value, progress().total, progress().fraction, inner())}
          </text>
        </Match>
      </Switch>
      <box flexGrow={1} />
      <Show when={status()}>
        {(s) => (
          <text fg={theme[s().tone]} wrapMode="none" flexShrink={0}>
            {fit(s().text, inner())}
          </text>
        )}
      </Show>
    </box>
  );
}
