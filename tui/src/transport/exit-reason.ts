/**
 * Why the UI process ends, with its exit code and the one line it leaves on stderr (after the
 * terminal is restored). A fault of the machine or the core never shows a stack trace.
 */
export const EXIT_REASONS = ["quit", "terminal-gone", "core-gone", "parent-gone"] as const;
export type ExitReason = (typeof EXIT_REASONS)[number];

export const EXIT_CODES: Readonly<Record<ExitReason, number>> = {
  /** Ctrl-C, q, SIGTERM or SIGINT. */
  quit: 0,
  /** The connection to the core was lost and did not come back within the reconnect window. */
  "core-gone": 3,
  /** The process that started this UI (`--parent-pid`) is gone. */
  "parent-gone": 3,
  /** The terminal hung up (SIGHUP) or its input ended: 128 + SIGHUP, as if the signal had ended it. */
  "terminal-gone": 129,
};

/** The line for stderr, if any: nobody reads a terminal that is gone, or a quit the user asked for. */
export const exitLine = (reason: ExitReason, detail: string): string | undefined => {
  switch (reason) {
    case "core-gone":
      return `escapement-tui: lost the core at ${detail}`;
    case "parent-gone":
      return `escapement-tui: the core that started this UI (pid ${detail}) is gone`;
    case "quit":
    case "terminal-gone":
      return undefined;
  }
};
