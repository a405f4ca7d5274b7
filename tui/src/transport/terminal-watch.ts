/**
 * Noticing that the terminal is gone: the window was closed or the tmux session killed (SIGHUP),
 * or reading the keyboard ends (end of input, or EIO from a hung-up terminal). A UI without a
 * terminal has nothing to do; it ends rather than run on as an orphan.
 */

/** The slice of `process` this needs. */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: () => void): unknown;
  off(signal: NodeJS.Signals, listener: () => void): unknown;
}

/** The slice of a readable stream (stdin) this needs. */
export interface InputStream {
  on(event: "end" | "close" | "error", listener: (error?: unknown) => void): unknown;
  off(event: "end" | "close" | "error", listener: (error?: unknown) => void): unknown;
}

export const TERMINAL_EXITS = ["hangup", "input-ended", "input-error"] as const;
export type TerminalExit = (typeof TERMINAL_EXITS)[number];

/** Calls `onGone` once when the terminal goes. Returns a function that stops the watch. */
export const watchTerminal = (options: { signals: SignalSource; input: InputStream; onGone: (why: TerminalExit) => void }): (() => void) => {
  let done = false;
  const gone = (why: TerminalExit) => () => {
    if (done) return;
    done = true;
    stop();
    options.onGone(why);
  };
  const onHangup = gone("hangup");
  const onEnd = gone("input-ended");
  const onError = gone("input-error");
  options.signals.on("SIGHUP", onHangup);
  options.input.on("end", onEnd);
  options.input.on("close", onEnd);
  options.input.on("error", onError);
  function stop() {
    options.signals.off("SIGHUP", onHangup);
    options.input.off("end", onEnd);
    options.input.off("close", onEnd);
    options.input.off("error", onError);
  }
  return stop;
};
