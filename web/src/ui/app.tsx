import { createSignal, Show } from "solid-js";
import type { BlobLink, LogRow } from "../domain/index.js";
import { ConversationsPanel } from "./conversations-panel.jsx";
import { DebugBar } from "./debug-bar.jsx";
import { Header } from "./header.jsx";
import { LogPane } from "./log-pane.jsx";
import { Pager } from "./pager.jsx";
import { PromptPanel } from "./prompt-panel.jsx";
import type { ViewStore } from "./view-store.js";

/** The page: header, debugger, prompts, live conversations, the log, and the pager over them. */
export function App(props: { store: ViewStore; now: () => number }) {
  const { view, status, notice } = props.store;
  const [paging, setPaging] = createSignal<{ row: LogRow; blob: BlobLink } | undefined>();
  const canBlob = () => view().run?.capabilities.includes("blobs") === true;
  return (
    <div class="app">
      <Header view={view()} status={status()} now={props.now} />
      <DebugBar view={view()} control={props.store.control} seek={props.store.seek} />
      <Show when={notice()}>
        {(n) => (
          <div class={`notice${n().error ? " notice-error" : ""}`} data-testid="notice">
            {n().text}
          </div>
        )}
      </Show>
      <Show when={view().finished}>
        {(f) => (
          <div class={`outcome outcome-${f().status}`} data-testid="outcome">
            run {f().status}
            {f().error ? `: ${f().error?.category} ${f().error?.message}` : ""} · {f().finalConfig.join(", ")}
          </div>
        )}
      </Show>
      <PromptPanel prompts={view().prompts} canAnswer={view().run?.capabilities.includes("answer") === true} answer={props.store.answer} />
      <main class="panes">
        <ConversationsPanel
          conversations={view().conversations}
          canSteer={view().run?.capabilities.includes("steer") === true && !view().finished}
          steer={props.store.steer}
        />
        <LogPane rows={view().log} startedTs={view().startedTs} canOpen={canBlob()} open={(row, blob) => setPaging({ row, blob })} />
      </main>
      <Show when={paging()}>{(p) => <Pager row={p().row} blob={p().blob} readBlob={props.store.readBlob} close={() => setPaging(undefined)} />}</Show>
    </div>
  );
}
