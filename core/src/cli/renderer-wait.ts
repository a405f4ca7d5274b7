/**
 * Waiting for the first renderer before a run's chart starts, and lingering after it ends.
 *
 * - A run in the terminal UI waits for the spawned TUI to attach (complete the wire handshake),
 *   so the user sees the run from its first event; `--wait-for-renderer[=seconds]` makes a
 *   `--listen` / `--no-spawn` run wait the same way for the first renderer. When none attaches in
 *   time the run starts without one, and says so: one line on stderr and a `runner/notice` row
 *   (code `no-renderer`), which a renderer attaching later sees as an event.
 * - After the run, the wire server stays up while a renderer is attached, for at most the linger
 *   time (`--linger <seconds>`), so a renderer that reconnects still gets the end of the run.
 */
import type { RowInput } from "../runtime/row-input.js";

/** How long a terminal UI run waits for its TUI, and `--wait-for-renderer`'s default. */
export const DEFAULT_RENDERER_WAIT_MS = 10_000;
/** How long the wire server stays up after the run for attached renderers. */
export const DEFAULT_LINGER_MS = 3_000;

/** `0` (`--wait-for-renderer=0`): wait without a limit, until a renderer attaches or the run is interrupted. */
export const waitLimitMs = (ms: number): number => (ms === 0 ? 2 ** 31 - 1 : ms);

const seconds = (ms: number): string => `${Number((ms / 1000).toFixed(1))} s`;

/** What the user and the transcript are told when no renderer attached in time. */
export function noRendererNotice(waitingFor: "tui" | "renderer", ms: number): { line: string; row: RowInput } {
  const message =
    waitingFor === "tui"
      ? `the terminal UI did not attach within ${seconds(ms)}; the run starts without it (headless; it shows the run if it attaches later)`
      : `no renderer attached within ${seconds(ms)}; the run starts without one`;
  const row: RowInput = { event: "runner/notice", data: { code: "no-renderer", message } };
  return { line: `escapement: ${message}`, row };
}

/** The line a `--wait-for-renderer` run prints while it waits. */
export const waitingLine = (ms: number): string =>
  ms === 0
    ? "wire: waiting for a renderer to attach before the run starts"
    : `wire: waiting up to ${seconds(ms)} for a renderer to attach before the run starts`;
