/** Keys to intents; pure, so the bindings are tested without a terminal. */
import type { ControlAction } from "@escapement/wire-schema";
import type { Lane } from "../domain/index.ts";
import { LANES } from "../domain/index.ts";

export type Intent =
  | { readonly kind: "select"; readonly by: -1 | 1 }
  | { readonly kind: "scroll"; readonly pages: -1 | 1 }
  | { readonly kind: "follow" }
  | { readonly kind: "cycle-lanes" }
  | { readonly kind: "control"; readonly action: ControlAction }
  | { readonly kind: "escape" }
  | { readonly kind: "toggle-help" }
  | { readonly kind: "quit" };

export interface KeyLike {
  readonly name: string;
  readonly sequence: string;
  readonly ctrl: boolean;
  readonly shift: boolean;
}

const CONTROL_KEYS: Readonly<Record<string, ControlAction>> = {
  p: "pause",
  s: "step",
  c: "continue",
  a: "arm-pause-on-next-external",
};

export const intentOf = (key: KeyLike): Intent | undefined => {
  if (key.ctrl) return key.name === "c" ? { kind: "quit" } : undefined;
  if (key.sequence === "?") return { kind: "toggle-help" };
  if (key.sequence === "G") return { kind: "follow" };
  switch (key.name) {
    case "up":
    case "k":
      return { kind: "select", by: -1 };
    case "down":
    case "j":
      return { kind: "select", by: 1 };
    case "pageup":
    case "u":
      return { kind: "scroll", pages: 1 };
    case "pagedown":
    case "d":
      return { kind: "scroll", pages: -1 };
    case "end":
      return { kind: "follow" };
    case "l":
      return { kind: "cycle-lanes" };
    case "escape":
      return { kind: "escape" };
  }
  const action = CONTROL_KEYS[key.name];
  return action ? { kind: "control", action } : undefined;
};

/** All lanes, then each lane alone, then all again. */
export const nextLaneFilter = (current: ReadonlySet<Lane> | undefined): ReadonlySet<Lane> | undefined => {
  if (!current) return new Set([LANES[0]]);
  const [only] = current;
  const index = only === undefined ? -1 : LANES.indexOf(only);
  const next = LANES[index + 1];
  return next === undefined ? undefined : new Set([next]);
};
