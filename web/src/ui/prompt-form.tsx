import { createSignal, For, Match, Show, Switch } from "solid-js";
import type { Prompt } from "@escapement/wire-schema";
import { promptAnswer, type PromptDraft } from "../domain/index.js";

export interface PromptFormProps {
  readonly prompt: Prompt;
  readonly answer: (promptId: string, answer: { value: unknown } | { cancelled: true }) => void;
}

const sameValue = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** One open prompt, answerable whatever its kind; a progress prompt only shows its bar (and can be cancelled). */
export function PromptForm(props: PromptFormProps) {
  const p = props.prompt;
  const options = p.options ?? [];
  const [text, setText] = createSignal(typeof p.default === "string" || typeof p.default === "number" ? String(p.default) : "");
  const [index, setIndex] = createSignal(
    Math.max(
      0,
      options.findIndex((o) => sameValue(o.value, p.default)),
    ),
  );
  const [chosen, setChosen] = createSignal<number[]>(
    options.flatMap((o, i) => (Array.isArray(p.default) && p.default.some((d: unknown) => sameValue(d, o.value)) ? [i] : [])),
  );
  const [problem, setProblem] = createSignal<string | undefined>();
  const [sent, setSent] = createSignal(false);

  const submit = (draft: PromptDraft) => {
    const check = promptAnswer(p, draft);
    if (!check.ok) return setProblem(check.message);
    setProblem(undefined);
    setSent(true);
    props.answer(p.promptId, { value: check.value });
  };
  const toggle = (i: number) => setChosen((list) => (list.includes(i) ? list.filter((x) => x !== i) : [...list, i]));

  return (
    <form
      class="prompt"
      data-testid="prompt"
      data-prompt-id={p.promptId}
      data-kind={p.kind}
      onSubmit={(event) => {
        event.preventDefault();
        if (p.kind === "text") submit({ kind: "text", text: text() });
        else if (p.kind === "select") submit({ kind: "select", index: index() });
        else if (p.kind === "multi-select") submit({ kind: "multi-select", indexes: chosen() });
      }}
    >
      <p class="prompt-message">{p.message}</p>
      <Switch>
        <Match when={p.kind === "text"}>
          <input type="text" data-testid="prompt-text" value={text()} onInput={(e) => setText(e.currentTarget.value)} autofocus />
          <button type="submit">Send</button>
        </Match>
        <Match when={p.kind === "select"}>
          <For each={options}>
            {(option, i) => (
              <label class="option">
                <input type="radio" name={`select-${p.promptId}`} checked={index() === i()} onChange={() => setIndex(i())} /> {option.label}
              </label>
            )}
          </For>
          <button type="submit">Choose</button>
        </Match>
        <Match when={p.kind === "multi-select"}>
          <For each={options}>
            {(option, i) => (
              <label class="option">
                <input type="checkbox" checked={chosen().includes(i())} onChange={() => toggle(i())} /> {option.label}
              </label>
            )}
          </For>
          <button type="submit">Choose</button>
        </Match>
        <Match when={p.kind === "confirm"}>
          <button type="button" data-testid="confirm-yes" onClick={() => submit({ kind: "confirm", yes: true })}>
            Yes
          </button>
          <button type="button" data-testid="confirm-no" onClick={() => submit({ kind: "confirm", yes: false })}>
            No
          </button>
        </Match>
        <Match when={p.kind === "progress"}>
          <progress data-testid="progress" value={p.progress?.value ?? 0} max={p.progress?.total ?? 1} />
          <span class="muted">
            {p.progress?.value ?? 0} / {p.progress?.total ?? "?"}
          </span>
        </Match>
      </Switch>
      <button type="button" class="cancel" onClick={() => props.answer(p.promptId, { cancelled: true })}>
        Cancel
      </button>
      <Show when={problem()}>
        <p class="problem">{problem()}</p>
      </Show>
      <Show when={sent()}>
        <span class="muted"> sent</span>
      </Show>
    </form>
  );
}
