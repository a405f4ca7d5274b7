/**
 * The bridge from frames to Solid: frames fold into the domain state as they arrive, and the
 * signal the components read is set at most once per `intervalMs`, so a burst of thousands of
 * deltas costs one render, not thousands.
 */
import { createSignal, type Accessor } from "solid-js";
import type { OutboundFrame } from "@escapement/wire-schema";
import { applyFrame, applyLocal, initialViewState, type LocalEvent, type ViewOptions, type ViewState } from "../domain/index.ts";

export interface ViewStore {
  readonly state: Accessor<ViewState>;
  push(frame: OutboundFrame): void;
  /** Applies a renderer-side fact (an answer sent) and publishes at once: the user just acted. */
  local(event: LocalEvent): void;
  /** Publishes pending frames now (tests, and the end of a replay). */
  flush(): void;
  dispose(): void;
}

export const createViewStore = (options: { view?: Partial<ViewOptions>; intervalMs?: number } = {}): ViewStore => {
  const intervalMs = options.intervalMs ?? 33;
  let current = initialViewState(options.view);
  const [state, setState] = createSignal(current, { equals: false });
  let timer: ReturnType<typeof setTimeout> | undefined;

  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (state() !== current) setState(current);
  };

  return {
    state,
    push(frame) {
      current = applyFrame(current, frame);
      if (timer === undefined && state() !== current) timer = setTimeout(flush, intervalMs);
    },
    local(event) {
      current = applyLocal(current, event);
      flush();
    },
    flush,
    dispose() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
};
