import { createEffect, createMemo, createSignal, For, on, onCleanup, onMount } from "solid-js";
import type { BlobLink, LogRow } from "../domain/index.js";
import { offset } from "./format.js";
import { logWindow, type LogWindow } from "./log-window.js";

export interface LogPaneProps {
  readonly rows: readonly LogRow[];
  readonly startedTs: number | undefined;
  readonly open: (row: LogRow, blob: BlobLink) => void;
  /** The core reads blobs over the wire (capability `blobs`); without it the links are shown disabled. */
  readonly canOpen: boolean;
}

const lane = (event: string): string => event.split("/")[0] ?? "other";

const sameWindow = (a: LogWindow, b: LogWindow): boolean => a.start === b.start && a.end === b.end;

/** The run's rows, oldest first; follows the end unless scrolled back. A long log draws only the rows near the view. */
export function LogPane(props: LogPaneProps) {
  let box: HTMLDivElement | undefined;
  const [following, setFollowing] = createSignal(true);
  const [viewport, setViewport] = createSignal({ scrollTop: 0, heightPx: 0 });
  // Every row is one line of the log's line height (styles.css), read once the pane is in the page.
  let rowPx = 0;
  const onScroll = () => {
    if (!box) return;
    setFollowing(box.scrollHeight - box.scrollTop - box.clientHeight < 40);
    setViewport({ scrollTop: box.scrollTop, heightPx: box.clientHeight });
  };
  onMount(() => {
    if (box) rowPx = parseFloat(getComputedStyle(box).lineHeight) || 0;
    const resized = new ResizeObserver(() => box && setViewport({ scrollTop: box.scrollTop, heightPx: box.clientHeight }));
    if (box) resized.observe(box);
    onCleanup(() => resized.disconnect());
  });
  const drawn = createMemo(() => logWindow({ count: props.rows.length, ...viewport(), rowPx, following: following() }), undefined, {
    equals: sameWindow,
  });
  const rows = createMemo(() => {
    const { start, end } = drawn();
    return start === 0 && end === props.rows.length ? props.rows : props.rows.slice(start, end);
  });
  const spacer = (rowCount: number) => `height: ${rowCount * rowPx}px`;
  createEffect(
    on(
      () => props.rows.length,
      () => {
        if (box && following()) box.scrollTop = box.scrollHeight;
      },
    ),
  );
  return (
    <section class="log">
      <h2 class="section-title">Log</h2>
      <div class="log-rows" data-testid="log" ref={box} onScroll={onScroll}>
        <div class="log-spacer" style={spacer(drawn().start)} />
        <For each={rows()}>
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
        <div class="log-spacer" style={spacer(props.rows.length - drawn().end)} />
      </div>
    </section>
  );
}
