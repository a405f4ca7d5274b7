/**
 * The state of the modal that answers one prompt, and what each key does to it. Pure: the App
 * holds the form, feeds it intents, and sends what `formIntent` says to send.
 */
import type { Prompt } from "@escapement/wire-schema";
import {
  defaultConfirm,
  defaultOptionIndex,
  defaultOptionSet,
  defaultText,
  multiSelectAnswer,
  promptOptions,
  selectAnswer,
  textAnswer,
} from "../domain/index.ts";
import type { Intent } from "./key-map.ts";

export interface PromptForm {
  readonly promptId: string;
  /** The option under the cursor (select kinds). */
  readonly index: number;
  /** Chosen options (multi-select). */
  readonly chosen: ReadonlySet<number>;
  /** What the text input holds (text prompts). */
  readonly text: string;
  /** A problem found before sending (the core's own refusals come back as answer errors). */
  readonly problem?: string;
}

export const newForm = (prompt: Prompt): PromptForm => ({
  promptId: prompt.promptId,
  index: defaultOptionIndex(prompt),
  chosen: defaultOptionSet(prompt),
  text: defaultText(prompt),
});

/** What to send after a key: an answer value, a cancel, or nothing. */
export type FormOutcome = { readonly send: "answer"; readonly value: unknown } | { readonly send: "cancel" } | { readonly send: "none" };

const NONE: FormOutcome = { send: "none" };

export const formIntent = (prompt: Prompt, form: PromptForm, intent: Intent): { form: PromptForm; outcome: FormOutcome } => {
  const { problem: _problem, ...clean } = form;
  const count = promptOptions(prompt).length;
  switch (intent.kind) {
    case "move":
      return { form: { ...clean, index: Math.min(Math.max(0, count - 1), Math.max(0, form.index + intent.by)) }, outcome: NONE };
    case "toggle": {
      const chosen = new Set(form.chosen);
      if (chosen.has(form.index)) chosen.delete(form.index);
      else chosen.add(form.index);
      return { form: { ...clean, chosen }, outcome: NONE };
    }
    case "cancel":
      return { form: clean, outcome: { send: "cancel" } };
    case "confirm":
      return { form: clean, outcome: { send: "answer", value: intent.value } };
    case "submit": {
      const check =
        prompt.kind === "text"
          ? textAnswer(prompt, form.text)
          : prompt.kind === "select"
            ? selectAnswer(prompt, form.index)
            : prompt.kind === "multi-select"
              ? multiSelectAnswer(prompt, form.chosen)
              : prompt.kind === "confirm"
                ? defaultConfirm(prompt) === undefined
                  ? ({ ok: false, message: "press y or n" } as const)
                  : ({ ok: true, value: defaultConfirm(prompt) } as const)
                : ({ ok: false, message: "a progress prompt can only be cancelled (Esc)" } as const);
      return check.ok ? { form: clean, outcome: { send: "answer", value: check.value } } : { form: { ...clean, problem: check.message }, outcome: NONE };
    }
    default:
      return { form, outcome: NONE };
  }
};
