import type { TranscriptRow } from "@escapement/wire-schema";

type Data = Record<string, any>;

/** One short stderr line per meaningful row, for headless runs: states, turns, tokens, prompts, errors. */
export function progressLine(row: TranscriptRow): string | undefined {
  const data = (row.data ?? {}) as Data;
  switch (row.event) {
    case "runner/started":
      return `● ${data.resumed ? "resumed" : "started"} ${data.chartId} (session ${data.sessionId})`;
    // The row's `config` (and `runner/done`'s `finalConfig`) is the chart's active states.
    case "runner/start-config":
      return `  state ${leafs(data.config)}`;
    case "runner/event-processed":
      return data.entered?.length || data.exited?.length ? `  ${data.event} → ${leafs(data.after)}` : undefined;
    case "llm/response": {
      const usage = data.usage ?? {};
      return `  ${data.invokeId} turn ${data.turn}: ${usage.input ?? 0} in / ${usage.output ?? 0} out tokens, ${data.elapsedMs} ms — ${data.snippet ?? ""}`;
    }
    case "llm/tool-call":
      return `  ${data.invokeId} ${data.toolKind === "event" ? "event" : "tool"} ${data.name} ${data.snippet ?? ""}`;
    case "llm/error":
      return `  ✗ ${data.invokeId} ${data.category}: ${data.message}`;
    case "llm/tool-validation-failed":
      return `  ✗ ${data.invokeId} invalid ${data.name} payload: ${data.issues}`;
    case "artifact/captured":
      return `  artifact ${data.name} (${data.bytes} bytes)`;
    case "human-input/answered":
      return `  answered ${data.promptId}: ${JSON.stringify(data.value)}`;
    case "session/child-started":
      return `  ↳ child ${data.childSessionId} (${data.chartId}) started`;
    case "session/child-done":
      return `  ↳ child ${data.childSessionId} ${data.status}`;
    case "runner/error":
      return `✗ ${data.category}: ${data.message}`;
    case "runner/done":
      return `● ${data.status} in ${leafs(data.finalConfig)}`;
    default:
      return undefined;
  }
}

/** The deepest states only: "work.left.drafting" rather than "work, work.left, work.left.drafting". */
const leafs = (activeStates: unknown): string => {
  if (!Array.isArray(activeStates) || activeStates.length === 0) return "[]";
  const paths = activeStates as string[];
  return `[${paths.filter((path) => !paths.some((other) => other.startsWith(`${path}.`))).join(", ")}]`;
};
