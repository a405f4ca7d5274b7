/** Every key the TUI answers to, for the `?` overlay and the footer. */
export interface KeyBinding {
  readonly keys: string;
  readonly does: string;
}

export const KEY_BINDINGS: readonly KeyBinding[] = [
  { keys: "↑ ↓  k j", does: "select a LIVE row" },
  { keys: "PgUp PgDn  u d", does: "scroll the LOG" },
  { keys: "End  G", does: "follow the newest LOG row" },
  { keys: "l", does: "cycle the LOG lane filter" },
  { keys: "p", does: "pause the chart" },
  { keys: "s", does: "step one external event" },
  { keys: "c", does: "continue" },
  { keys: "a", does: "pause on the next external event" },
  { keys: "Esc", does: "interrupt (close this overlay first)" },
  { keys: "?", does: "show / hide this help" },
  { keys: "Ctrl-C", does: "quit" },
];

export const FOOTER_HINT = "? keys  ↑↓ select  PgUp/PgDn scroll  l lanes  p/s/c debug  Ctrl-C quit";
