/**
 * What an answer to each kind of prompt looks like, from the prompt's options, default and
 * schema. The core validates every answer against the schema; these checks only catch the
 * obvious mistakes early, with a message in the modal, and never reject what the core accepts
 * for the prompt kinds the core makes (text is a string, confirm a boolean, select an option's
 * value, multi-select an array of them).
 */
import type { Prompt } from "@escapement/wire-schema";

export type AnswerCheck = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string };

const same = (a: unknown, b: unknown): boolean => {
  if (Object.is(a, b)) return true;
  try {
    return JSON.stringify(a) === JSON.stringify(b);
  } catch {
    return false;
  }
};

export const promptOptions = (prompt: Prompt): readonly { readonly value: unknown; readonly label: string }[] => prompt.options ?? [];

/** The option preselected by the prompt's default (0 when none matches). */
export const defaultOptionIndex = (prompt: Prompt): number => {
  const index = promptOptions(prompt).findIndex((o) => same(o.value, prompt.default));
  return Math.max(0, index);
};

/** Options preselected by a multi-select default (an array of option values). */
export const defaultOptionSet = (prompt: Prompt): ReadonlySet<number> => {
  const chosen = Array.isArray(prompt.default) ? prompt.default : [];
  const set = new Set<number>();
  promptOptions(prompt).forEach((o, i) => {
    if (chosen.some((v) => same(v, o.value))) set.add(i);
  });
  return set;
};

/** The text a text prompt's input starts with. */
export const defaultText = (prompt: Prompt): string => (typeof prompt.default === "string" || typeof prompt.default === "number" ? String(prompt.default) : "");

/** A confirm prompt's default answer, when it has one. */
export const defaultConfirm = (prompt: Prompt): boolean | undefined => (typeof prompt.default === "boolean" ? prompt.default : undefined);

const schemaField = (prompt: Prompt, key: string): unknown => (prompt.schema as Record<string, unknown>)[key];

/** A text prompt's input as its answer value: a number when the schema asks for one, else the text. */
export const textAnswer = (prompt: Prompt, text: string): AnswerCheck => {
  const type = schemaField(prompt, "type");
  if (type === "number" || type === "integer") {
    const n = Number(text.trim());
    if (text.trim() === "" || !Number.isFinite(n)) return { ok: false, message: "enter a number" };
    if (type === "integer" && !Number.isInteger(n)) return { ok: false, message: "enter a whole number" };
    return { ok: true, value: n };
  }
  const minLength = schemaField(prompt, "minLength");
  if (typeof minLength === "number" && [...text].length < minLength) {
    return { ok: false, message: minLength === 1 ? "enter some text" : `enter at least ${minLength} characters` };
  }
  const maxLength = schemaField(prompt, "maxLength");
  if (typeof maxLength === "number" && [...text].length > maxLength) return { ok: false, message: `at most ${maxLength} characters` };
  return { ok: true, value: text };
};

export const selectAnswer = (prompt: Prompt, index: number): AnswerCheck => {
  const option = promptOptions(prompt)[index];
  return option ? { ok: true, value: option.value } : { ok: false, message: "nothing to choose" };
};

/** The chosen options' values, in option order. */
export const multiSelectAnswer = (prompt: Prompt, chosen: ReadonlySet<number>): AnswerCheck => {
  const values = promptOptions(prompt)
    .filter((_, i) => chosen.has(i))
    .map((o) => o.value);
  const minItems = schemaField(prompt, "minItems");
  if (typeof minItems === "number" && values.length < minItems) {
    return { ok: false, message: minItems === 1 ? "choose at least one" : `choose at least ${minItems}` };
  }
  return { ok: true, value: values };
};

export interface ProgressView {
  readonly value: number;
  readonly total: number;
  /** 0..1; 0 when the total is unknown (0). */
  readonly fraction: number;
}

export const progressOf = (prompt: Prompt): ProgressView => {
  const value = prompt.progress?.value ?? 0;
  const total = prompt.progress?.total ?? 0;
  return { value, total, fraction: total > 0 ? Math.min(1, Math.max(0, value / total)) : 0 };
};
