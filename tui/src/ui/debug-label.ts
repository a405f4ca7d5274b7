/** The debugger gate in a few words: paused (and why), stepping with the budget left, armed, or running free. */
import type { ViewState } from "../domain/index.ts";
import { fit } from "./format.ts";

export interface DebugLabel {
  readonly text: string;
  readonly tone: "dim" | "warn";
}

export const debugLabel = (state: ViewState): DebugLabel => {
  const { paused, mode, stepBudget, reason } = state.debug;
  const modeText = mode === "step" ? `step ${stepBudget} left` : mode === "armed" ? "armed" : "";
  if (paused) {
    const parts = ["⏸ PAUSED", modeText, reason ? fit(reason, 24) : ""].filter((p) => p !== "");
    return { text: parts.join(" · "), tone: "warn" };
  }
  if (mode === "step") return { text: `⏭ ${modeText}`, tone: "warn" };
  if (mode === "armed") return { text: "⚑ armed: pause on next external", tone: "warn" };
  return { text: "▶ run", tone: "dim" };
};
