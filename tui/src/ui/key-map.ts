/**
 * Every key the TUI answers to, in one table: what it does in which context, and how the `?`
 * overlay names it. `intentOf` and the overlay both read this table, so they cannot drift apart.
 * Pure, so the bindings are tested without a terminal.
 */
import type { ControlAction, PromptKind, SeekTarget } from "@escapement/wire-schema";
import type { Lane } from "../domain/index.ts";
import { LANES } from "../domain/index.ts";

/** Who gets the keys: a prompt modal, the help overlay, the pager, else the panels. */
export type KeyContext = "main" | "pager" | "prompt" | "help";

export type Intent =
  | { readonly kind: "focus"; readonly by: -1 | 1 }
  | { readonly kind: "move"; readonly by: -1 | 1 }
  | { readonly kind: "page"; readonly by: -1 | 1 }
  | { readonly kind: "edge"; readonly to: "first" | "last" }
  | { readonly kind: "open" }
  | { readonly kind: "cycle-lanes" }
  | { readonly kind: "control"; readonly action: ControlAction }
  | { readonly kind: "toggle-help" }
  | { readonly kind: "quit" }
  | { readonly kind: "close" }
  | { readonly kind: "switch-view" }
  | { readonly kind: "switch-turn"; readonly by: -1 | 1 }
  | { readonly kind: "submit" }
  | { readonly kind: "cancel" }
  | { readonly kind: "toggle" }
  | { readonly kind: "confirm"; readonly value: boolean }
  /** `q` on the panels: quit, asking first while the run is live (see confirm-keys.ts). */
  | { readonly kind: "ask-quit" }
  /** Type a LOG filter (see filter-input.ts). */
  | { readonly kind: "filter" }
  /** Type a message for the conversation selected in LIVE (see steer-input.ts). */
  | { readonly kind: "steer" }
  /** A replay the core plays: move the playback. */
  | { readonly kind: "seek"; readonly to: SeekTarget }
  | { readonly kind: "goto-row" };

export interface KeyLike {
  readonly name: string;
  readonly sequence: string;
  readonly ctrl: boolean;
  readonly shift: boolean;
  readonly meta?: boolean;
}

/**
 * A key: a named key ("up", "pageup", "return", "escape", "tab", "space", …) or one printable
 * character ("k", "G", "?", "["), optionally with Ctrl or Shift.
 */
export interface KeySpec {
  readonly key: string;
  readonly ctrl?: boolean;
  readonly shift?: boolean;
}

export interface KeyEntry {
  readonly spec: KeySpec;
  readonly intent: Intent;
  /** In the prompt context: the prompt kinds this key applies to (all when absent). */
  readonly kinds?: readonly PromptKind[];
}

export interface Binding {
  readonly context: KeyContext;
  readonly keys: readonly KeyEntry[];
  /** What the overlay says it does. */
  readonly does: string;
}

const NAMED: Readonly<Record<string, string>> = {
  up: "↑",
  down: "↓",
  left: "←",
  right: "→",
  pageup: "PgUp",
  pagedown: "PgDn",
  home: "Home",
  end: "End",
  return: "Enter",
  escape: "Esc",
  tab: "Tab",
  space: "Space",
};

const isNamed = (key: string): boolean => key in NAMED;

/** How the overlay writes a key: "↑", "PgUp", "Shift-Tab", "Ctrl-C", "G". */
export const keyLabel = (spec: KeySpec): string => {
  const base = NAMED[spec.key] ?? spec.key;
  if (spec.ctrl) return `Ctrl-${base.toUpperCase()}`;
  if (spec.shift) return `Shift-${base}`;
  return base;
};

/** The overlay's label of a binding: its keys' labels, each once. */
export const bindingLabel = (binding: Binding): string => [...new Set(binding.keys.map((k) => keyLabel(k.spec)))].join(" ");

const k = (key: string, intent: Intent, extra: { ctrl?: boolean; shift?: boolean; kinds?: readonly PromptKind[] } = {}): KeyEntry => {
  const { kinds, ...mods } = extra;
  return { spec: { key, ...mods }, intent, ...(kinds ? { kinds } : {}) };
};

const control = (action: ControlAction): Intent => ({ kind: "control", action });
const seek = (to: SeekTarget): Intent => ({ kind: "seek", to });
const LISTS: readonly PromptKind[] = ["select", "multi-select"];

export const BINDINGS: readonly Binding[] = [
  // The panels.
  { context: "main", does: "next / previous panel", keys: [k("tab", { kind: "focus", by: 1 }), k("tab", { kind: "focus", by: -1 }, { shift: true })] },
  {
    context: "main",
    does: "move in the panel",
    keys: [k("up", { kind: "move", by: -1 }), k("down", { kind: "move", by: 1 }), k("k", { kind: "move", by: -1 }), k("j", { kind: "move", by: 1 })],
  },
  {
    context: "main",
    does: "page in the panel",
    keys: [k("pageup", { kind: "page", by: -1 }), k("pagedown", { kind: "page", by: 1 }), k("u", { kind: "page", by: -1 }), k("d", { kind: "page", by: 1 })],
  },
  {
    context: "main",
    does: "first / last, follow",
    keys: [
      k("home", { kind: "edge", to: "first" }),
      k("end", { kind: "edge", to: "last" }),
      k("g", { kind: "edge", to: "first" }),
      k("G", { kind: "edge", to: "last" }),
    ],
  },
  { context: "main", does: "open the selected item", keys: [k("return", { kind: "open" })] },
  { context: "main", does: "cycle the LOG lanes", keys: [k("l", { kind: "cycle-lanes" })] },
  { context: "main", does: "pause the chart", keys: [k("p", control("pause"))] },
  { context: "main", does: "step 1 external event", keys: [k("s", control("step"))] },
  { context: "main", does: "continue", keys: [k("c", control("continue"))] },
  { context: "main", does: "pause on next external", keys: [k("a", control("arm-pause-on-next-external"))] },
  { context: "main", does: "interrupt (Esc twice)", keys: [k("escape", control("interrupt"))] },
  { context: "main", does: "filter the LOG", keys: [k("/", { kind: "filter" })] },
  { context: "main", does: "message the conversation", keys: [k("m", { kind: "steer" })] },
  { context: "main", does: "all keys (this help)", keys: [k("?", { kind: "toggle-help" })] },
  { context: "main", does: "quit (asks if live)", keys: [k("q", { kind: "ask-quit" })] },
  { context: "main", does: "quit", keys: [k("c", { kind: "quit" }, { ctrl: true })] },
  // A replay the core plays (`escapement open`): where the playback goes.
  { context: "main", does: "seek: start / end", keys: [k("<", seek("start")), k(">", seek("end"))] },
  { context: "main", does: "seek: prev/next turn", keys: [k("[", seek("previous-turn")), k("]", seek("next-turn"))] },
  { context: "main", does: "seek: prev/next state", keys: [k("{", seek("previous-phase")), k("}", seek("next-phase"))] },
  { context: "main", does: "seek: go to row", keys: [k(":", { kind: "goto-row" })] },
  // The pager.
  {
    context: "pager",
    does: "scroll a line",
    keys: [k("up", { kind: "move", by: -1 }), k("down", { kind: "move", by: 1 }), k("k", { kind: "move", by: -1 }), k("j", { kind: "move", by: 1 })],
  },
  {
    context: "pager",
    does: "scroll a page",
    keys: [k("pageup", { kind: "page", by: -1 }), k("pagedown", { kind: "page", by: 1 }), k("u", { kind: "page", by: -1 }), k("d", { kind: "page", by: 1 })],
  },
  {
    context: "pager",
    does: "top / bottom",
    keys: [
      k("home", { kind: "edge", to: "first" }),
      k("end", { kind: "edge", to: "last" }),
      k("g", { kind: "edge", to: "first" }),
      k("G", { kind: "edge", to: "last" }),
    ],
  },
  { context: "pager", does: "request ⇄ response", keys: [k("tab", { kind: "switch-view" }), k("r", { kind: "switch-view" })] },
  { context: "pager", does: "previous / next turn", keys: [k("[", { kind: "switch-turn", by: -1 }), k("]", { kind: "switch-turn", by: 1 })] },
  { context: "pager", does: "close the pager", keys: [k("escape", { kind: "close" }), k("q", { kind: "close" })] },
  { context: "pager", does: "all keys (this help)", keys: [k("?", { kind: "toggle-help" })] },
  // A prompt modal.
  { context: "prompt", does: "submit the answer", keys: [k("return", { kind: "submit" })] },
  { context: "prompt", does: "cancel the prompt", keys: [k("escape", { kind: "cancel" })] },
  {
    context: "prompt",
    does: "move (lists)",
    keys: [
      k("up", { kind: "move", by: -1 }, { kinds: LISTS }),
      k("down", { kind: "move", by: 1 }, { kinds: LISTS }),
      k("k", { kind: "move", by: -1 }, { kinds: LISTS }),
      k("j", { kind: "move", by: 1 }, { kinds: LISTS }),
    ],
  },
  { context: "prompt", does: "toggle (multi-select)", keys: [k("space", { kind: "toggle" }, { kinds: ["multi-select"] })] },
  {
    context: "prompt",
    does: "yes / no (confirm)",
    keys: [k("y", { kind: "confirm", value: true }, { kinds: ["confirm"] }), k("n", { kind: "confirm", value: false }, { kinds: ["confirm"] })],
  },
  // The help overlay.
  {
    context: "help",
    does: "scroll",
    keys: [k("up", { kind: "move", by: -1 }), k("down", { kind: "move", by: 1 }), k("k", { kind: "move", by: -1 }), k("j", { kind: "move", by: 1 })],
  },
  { context: "help", does: "scroll a page", keys: [k("pageup", { kind: "page", by: -1 }), k("pagedown", { kind: "page", by: 1 })] },
  {
    context: "help",
    does: "top / bottom",
    keys: [
      k("home", { kind: "edge", to: "first" }),
      k("end", { kind: "edge", to: "last" }),
      k("g", { kind: "edge", to: "first" }),
      k("G", { kind: "edge", to: "last" }),
    ],
  },
  { context: "help", does: "close this help", keys: [k("?", { kind: "close" }), k("escape", { kind: "close" }), k("q", { kind: "close" })] },
];

/** Ctrl-C quits from every context, whatever has the keys. */
const QUIT: KeyEntry = k("c", { kind: "quit" }, { ctrl: true });

/**
 * Esc pressed twice in quick succession can reach the UI in one read, "\x1b\x1b" (what terminals
 * also send for Alt-Esc): it counts as Esc, and as twice where a second Esc matters (confirm-keys.ts).
 */
export const isDoubleEscape = (key: KeyLike): boolean => key.name === "escape" && key.sequence === "\u001b\u001b";

export const matchesKey = (spec: KeySpec, key: KeyLike): boolean => {
  if (Boolean(spec.ctrl) !== key.ctrl) return false;
  if (spec.ctrl) return key.name === spec.key;
  if (key.meta && !isDoubleEscape(key)) return false;
  if (isNamed(spec.key)) return key.name === spec.key && Boolean(spec.shift) === key.shift;
  // A printable character: what the key types, whatever the keyboard protocol calls it.
  return key.sequence === spec.key || (key.sequence.length > 1 && key.name === spec.key && !key.shift);
};

export const intentOf = (context: KeyContext, key: KeyLike, promptKind?: PromptKind): Intent | undefined => {
  if (matchesKey(QUIT.spec, key)) return QUIT.intent;
  for (const binding of BINDINGS) {
    if (binding.context !== context) continue;
    for (const entry of binding.keys) {
      if (entry.kinds && (promptKind === undefined || !entry.kinds.includes(promptKind))) continue;
      if (matchesKey(entry.spec, key)) return entry.intent;
    }
  }
  return undefined;
};

/** All lanes, then each lane alone, then all again. */
export const nextLaneFilter = (current: ReadonlySet<Lane> | undefined): ReadonlySet<Lane> | undefined => {
  if (!current) return new Set([LANES[0]]);
  const [only] = current;
  const index = only === undefined ? -1 : LANES.indexOf(only);
  const next = LANES[index + 1];
  return next === undefined ? undefined : new Set([next]);
};

export const CONTEXT_TITLES: Readonly<Record<KeyContext, string>> = {
  main: "PANELS",
  pager: "PAGER",
  prompt: "PROMPT",
  help: "HELP",
};

/** Short hints for the footer, by context. */
export const FOOTER_HINTS: Readonly<Record<KeyContext, string>> = {
  main: "? keys  Tab panel  ↑↓ move  Enter open  p/s/c/a debug  q quit",
  pager: "↑↓ PgUp/PgDn scroll  Tab request⇄response  [ ] turn  Esc/q close",
  prompt: "Enter submit  Esc cancel",
  help: "↑↓ scroll  ? Esc q close",
};

/** The panels' hint: with `m message` where the core takes messages for a live conversation. */
export const mainHint = (steerable: boolean): string =>
  steerable ? "? keys  Tab panel  ↑↓ move  Enter open  m message  p/s/c/a debug  q quit" : FOOTER_HINTS.main;
