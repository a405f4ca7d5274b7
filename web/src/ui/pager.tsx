import { createResource, Match, onCleanup, onMount, Switch } from "solid-js";
import { blobDocument, type BlobLink, type LogRow } from "../domain/index.js";
import { markdownHtml } from "./markdown.js";

export interface PagerProps {
  readonly row: LogRow;
  readonly blob: BlobLink;
  readonly readBlob: (ref: string) => Promise<string>;
  readonly close: () => void;
}

/** A row's full request, response, result or artifact, read over the wire and shown as markdown. */
export function Pager(props: PagerProps) {
  const title = `${props.row.event} #${props.row.seq} · ${props.blob.label}`;
  const [html] = createResource(async () => markdownHtml(blobDocument(await props.readBlob(props.blob.ref), props.blob.ref, title)));
  const onKey = (event: KeyboardEvent) => {
    if (event.key === "Escape") props.close();
  };
  onMount(() => window.addEventListener("keydown", onKey));
  onCleanup(() => window.removeEventListener("keydown", onKey));
  return (
    <div class="pager-backdrop" onClick={(event) => event.target === event.currentTarget && props.close()}>
      <div class="pager" role="dialog" aria-label={title} data-testid="pager">
        <header>
          <span class="muted">{props.blob.ref}</span>
          <button type="button" data-testid="pager-close" onClick={() => props.close()}>
            Close
          </button>
        </header>
        <Switch>
          <Match when={html.error as unknown}>
            <p class="problem" data-testid="pager-error">
              {String((html.error as Error | undefined)?.message ?? html.error)}
            </p>
          </Match>
          <Match when={html.loading}>
            <p class="muted">reading…</p>
          </Match>
          <Match when={html()}>{(body) => <article class="markdown" data-testid="pager-body" innerHTML={body()} />}</Match>
        </Switch>
      </div>
    </div>
  );
}
