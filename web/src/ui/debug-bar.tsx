import { Show } from "solid-js";
import type { ViewState } from "../domain/index.js";

export interface DebugBarProps {
  readonly view: ViewState;
  readonly control: (action: string, n?: number) => void;
  readonly seek: (to: string) => void;
}

const debugLabel = (view: ViewState): string => {
  const debug = view.debug;
  if (debug.paused) return `paused${debug.reason ? ` (${debug.reason})` : ""}`;
  return debug.mode === "step" ? `stepping (${debug.stepBudget} left)` : debug.mode;
};

/**
 * The debugger: pause, step and continue. In a played-back session the same three move the
 * playback, and seeking (start, previous and next turn, end) is offered when the core takes it.
 */
export function DebugBar(props: DebugBarProps) {
  const can = () => props.view.run?.capabilities.includes("control") === true && !props.view.finished;
  const playback = () => props.view.playback;
  const canSeek = () => props.view.run?.capabilities.includes("playback") === true;
  const paused = () => {
    const p = playback();
    return p ? p.state !== "playing" : props.view.debug.paused;
  };
  const label = () => {
    const p = playback();
    return p ? `${p.state} · row ${p.rowSeq} of ${p.lastRowSeq}` : debugLabel(props.view);
  };
  return (
    <Show when={can() || canSeek()}>
      <div class="debug-bar" data-testid="debug-bar">
        <Show when={can()}>
          <button type="button" data-testid="pause" disabled={paused()} onClick={() => props.control("pause")}>
            Pause
          </button>
          {/* A live run steps only while paused; a playback steps rows through either way. */}
          <button type="button" data-testid="step" disabled={!paused() && !playback()} onClick={() => props.control("step", 1)}>
            Step
          </button>
          <button
            type="button"
            data-testid="continue"
            disabled={!paused() && (playback() !== undefined || props.view.debug.mode === "run")}
            onClick={() => props.control("continue")}
          >
            Continue
          </button>
        </Show>
        <Show when={canSeek()}>
          <span class="seek">
            <button type="button" data-testid="seek-start" onClick={() => props.seek("start")}>
              « Start
            </button>
            <button type="button" data-testid="seek-previous-turn" onClick={() => props.seek("previous-turn")}>
              ‹ Turn
            </button>
            <button type="button" data-testid="seek-next-turn" onClick={() => props.seek("next-turn")}>
              Turn ›
            </button>
            <button type="button" data-testid="seek-end" onClick={() => props.seek("end")}>
              End »
            </button>
          </span>
        </Show>
        <span class="debug-state" data-testid="debug-state">
          {label()}
        </span>
      </div>
    </Show>
  );
}
