import { For, Show } from "solid-js";
import type { Prompt } from "@escapement/wire-schema";
import { PromptForm } from "./prompt-form.jsx";

export interface PromptPanelProps {
  readonly prompts: readonly Prompt[];
  readonly canAnswer: boolean;
  readonly answer: (promptId: string, answer: { value: unknown } | { cancelled: true }) => void;
}

/** Open prompts, oldest first. A replay shows them but cannot answer. */
export function PromptPanel(props: PromptPanelProps) {
  return (
    <Show when={props.prompts.length > 0}>
      <section class="prompts" data-testid="prompts">
        <h2 class="section-title">Waiting for you</h2>
        <For each={props.prompts}>
          {(prompt) => (
            <Show when={props.canAnswer} fallback={<p class="prompt-message">{prompt.message}</p>}>
              <PromptForm prompt={prompt} answer={props.answer} />
            </Show>
          )}
        </For>
      </section>
    </Show>
  );
}
