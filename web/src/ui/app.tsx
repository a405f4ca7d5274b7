import { createMemo, createSignal, Show } from "solid-js";
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
  // The panes read these, not the whole view: a delta changes the view but neither the log nor the
  // run, so the log's rows are left alone while the conversations stream.
  const canBlob = createMemo(() => view().run?.capabilities.includes("blobs") === true);
  const log = createMemo(() => view().log);
  const startedTs = createMemo(() => view().startedTs);
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
        <LogPane rows={log()} startedTs={startedTs()} canOpen={canBlob()} open={(row, blob) => setPaging({ row, blob })} />
      </main>
      <Show when={paging()}>{(p) => <Pager row={p().row} blob={p().blob} readBlob={props.store.readBlob} close={() => setPaging(undefined)} />}</Show>
    </div>
  );
}
