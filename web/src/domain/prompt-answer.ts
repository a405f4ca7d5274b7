/**
 * What an answer to each kind of prompt is, from what the form holds: text is a string (a number
 * when the schema asks for one), confirm a boolean, select an option's value, multi-select an
 * array of them. The core validates every answer against the prompt's schema; these checks only
 * catch the obvious mistakes early with a message next to the form.
 */
import type { Prompt } from "@escapement/wire-schema";

export type PromptDraft =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "select"; readonly index: number }
  | { readonly kind: "multi-select"; readonly indexes: readonly number[] }
  | { readonly kind: "confirm"; readonly yes: boolean };

export type AnswerCheck = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string };

export const promptAnswer = (prompt: Prompt, draft: PromptDraft): AnswerCheck => {
  const options = prompt.options ?? [];
  switch (draft.kind) {
    case "text": {
      const type = (prompt.schema as Record<string, unknown>).type;
      if (type === "number" || type === "integer") {
        const n = Number(draft.text.trim());
        if (draft.text.trim() === "" || !Number.isFinite(n)) return { ok: false, message: "enter a number" };
        return { ok: true, value: n };
      }
      return { ok: true, value: draft.text };
    }
    case "select": {
      const option = options[draft.index];
      return option ? { ok: true, value: option.value } : { ok: false, message: "choose an option" };
    }
    case "multi-select":
      return { ok: true, value: [...draft.indexes].sort((a, b) => a - b).flatMap((i) => (options[i] ? [options[i].value] : [])) };
    case "confirm":
      return { ok: true, value: draft.yes };
  }
};
