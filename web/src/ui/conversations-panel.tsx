import { For, Show } from "solid-js";
import type { ConversationView } from "../domain/index.js";
import { SteerInput } from "./steer-input.jsx";

export interface ConversationsPanelProps {
  readonly conversations: ReadonlyMap<string, ConversationView>;
  /** The core takes `steer` frames and the run is live. */
  readonly canSteer: boolean;
  readonly steer: (conversation: string, text: string) => void;
}

/** Conversations in start order, with the text the current turn is streaming, and a message box for a live one. */
export function ConversationsPanel(props: ConversationsPanelProps) {
  const ids = () => [...props.conversations.keys()];
  return (
    <section class="conversations" data-testid="conversations">
      <h2 class="section-title">Conversations</h2>
      <Show when={ids().length > 0} fallback={<p class="empty">none yet</p>}>
        <For each={ids()}>
          {(id) => {
            const c = () => props.conversations.get(id)!;
            return (
              <article class={`conversation${c().ended ? " ended" : ""}`} data-testid="conversation" data-invoke-id={id}>
                <header>
                  <strong>{id}</strong> <span class="muted">{c().model}</span> <span class="muted">turn {c().turn}</span>
                  <Show when={c().ended}>
                    <span class="muted"> · ended ({c().ended})</span>
                  </Show>
                </header>
                <Show when={c().thinking}>
                  <pre class="thinking">{c().thinking}</pre>
                </Show>
                <pre class="streamed" data-testid="streamed">
                  {c().text}
                </pre>
                <Show when={props.canSteer && !c().ended}>
                  <SteerInput send={(text) => props.steer(id, text)} />
                </Show>
              </article>
            );
          }}
        </For>
      </Show>
    </section>
  );
}
