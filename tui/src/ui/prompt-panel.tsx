/**
 * The modal for an open prompt: a text input, a list to pick one or several options, a yes/no
 * question, or a progress bar. It opens by itself when a prompt opens, holds the keys while it is
 * open, and shows why an answer was refused.
 */
import { Index, Match, Show, Switch, untrack, type Accessor } from "solid-js";
import type { Prompt } from "@escapement/wire-schema";
import { defaultConfirm, progressOf, promptOptions, type AnswerView } from "../domain/index.ts";
import { fit, tailLines } from "./format.ts";
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
  return { text: HINTS[prompt.kind], tone: "dim" };
};

export function PromptPanel(props: PromptPanelProps) {
  const theme = useTheme();
  const inner = () => Math.max(10, props.width() - 4);
  const message = () => tailLines(props.prompt().message, inner(), 4);
  /** Rows left for options: the border, message, two spacers and the status line take the rest. */
  const optionRows = () => Math.max(1, props.height() - 2 - message().length - 3);
  const options = () => {
    const all = promptOptions(props.prompt()).map((o, i) => ({ ...o, i }));
    const rows = optionRows();
    const start = Math.min(Math.max(0, props.form().index - rows + 1), Math.max(0, all.length - rows));
    return all.slice(start, start + rows);
  };
  const optionText = (option: { label: string; i: number }) => {
    const cursor = option.i === props.form().index ? "›" : " ";
    const box = props.prompt().kind === "multi-select" ? (props.form().chosen.has(option.i) ? "[x] " : "[ ] ") : "";
    return fit(`${cursor} ${box}${option.label}`, inner());
  };
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
      <text wrapMode="none"> </text>
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
