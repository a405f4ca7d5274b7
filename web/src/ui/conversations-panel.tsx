import { createMemo, For, Show } from "solid-js";
import type { ConversationView } from "../domain/index.js";
import { SteerInput } from "./steer-input.jsx";

export interface ConversationsPanelProps {
  readonly conversations: ReadonlyMap<string, ConversationView>;
  /** The core takes `steer` frames and the run is live. */
  readonly canSteer: boolean;
  readonly steer: (conversation: string, text: string) => void;
}

const sameIds = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((id, i) => id === b[i]);

/** Conversations in start order, with the text the current turn is streaming, and a message box for a live one. */
export function ConversationsPanel(props: ConversationsPanelProps) {
  // A delta replaces one conversation: the list and the other conversations stay as they are.
  const ids = createMemo(() => [...props.conversations.keys()], [], { equals: sameIds });
  return (
    <section class="conversations" data-testid="conversations">
      <h2 class="section-title">Conversations</h2>
      <Show when={ids().length > 0} fallback={<p class="empty">none yet</p>}>
        <For each={ids()}>
          {(id) => {
            // A conversation the view dropped (a replay rewound) keeps its last state until the list lets it go.
            const c = createMemo<ConversationView>((last) => props.conversations.get(id) ?? last!);
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
