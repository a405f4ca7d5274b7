import { createEffect, For, on } from "solid-js";
import type { BlobLink, LogRow } from "../domain/index.js";
import { offset } from "./format.js";

export interface LogPaneProps {
  readonly rows: readonly LogRow[];
  readonly startedTs: number | undefined;
  readonly open: (row: LogRow, blob: BlobLink) => void;
  /** The core reads blobs over the wire (capability `blobs`); without it the links are shown disabled. */
  readonly canOpen: boolean;
}

const lane = (event: string): string => event.split("/")[0] ?? "other";

/** The run's rows, oldest first; follows the end unless scrolled back. */
export function LogPane(props: LogPaneProps) {
  let box: HTMLDivElement | undefined;
  let follow = true;
  const onScroll = () => {
    if (box) follow = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  };
  createEffect(
    on(
      () => props.rows.length,
      () => {
        if (box && follow) box.scrollTop = box.scrollHeight;
      },
    ),
  );
  return (
    <section class="log">
      <h2 class="section-title">Log</h2>
      <div class="log-rows" data-testid="log" ref={box} onScroll={onScroll}>
        <For each={props.rows}>
          {(row) => (
            <div class={`log-row lane-${lane(row.event)}`} data-testid="log-row" data-seq={row.seq} data-event={row.event}>
              <span class="seq">{row.seq}</span>
              <span class="time">{offset(row.ts, props.startedTs)}</span>
              <span class="event">{row.event}</span>
              <span class="text">{row.text}</span>
              <For each={row.blobs}>
                {(blob) => (
                  <button
                    type="button"
                    class="blob-link"
                    data-testid="open-blob"
                    data-ref={blob.ref}
                    disabled={!props.canOpen}
                    title={props.canOpen ? `open ${blob.ref}` : "this core does not serve blobs"}
                    onClick={() => props.open(row, blob)}
                  >
                    {blob.label}
                  </button>
                )}
              </For>
            </div>
          )}
        </For>
      </div>
    </section>
  );
}
