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
    case "runner/notice":
      return data.code === "state-diverged" ? divergenceDetail(data) : undefined;
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

/**
 * A state divergence's detail, below its one-line message (the run's error or warning line): every
 * difference from the recorded state, or, when only the recorded hash is known, the state now.
 */
function divergenceDetail(data: Data): string | undefined {
  if (Array.isArray(data.differences)) {
    return data.differences.length > 1
      ? ["  state differences from the recording:", ...data.differences.map((line: string) => `    ${line}`)].join("\n")
      : undefined;
  }
  if (data.now === undefined) return `  the state now is ${data.nowBytes} bytes of JSON (only the recorded state's hash ${data.recordedHash} is known)`;
  const now = JSON.stringify(data.now);
  return `  the state now (only the recorded state's hash ${data.recordedHash} is known): ${now.length > 400 ? `${now.slice(0, 397)}...` : now}`;
}
