/** An exploration report as text: what `escapement sim` prints and what `checkChart` throws. */
import type { ExploreFailure, ExploreReport } from "./explore.js";
import type { SimEvent } from "./sim-run.js";

const DATA_MAX = 160;

/** One event on one line: its type, then its data as JSON (cut at 160 characters). */
export function formatEvent(event: SimEvent): string {
  if (!event.data) return event.type;
  const json = JSON.stringify(event.data);
  return `${event.type} ${json.length > DATA_MAX ? `${json.slice(0, DATA_MAX - 1)}…` : json}`;
}

const percent = (part: number, whole: number): string => (whole === 0 ? "100%" : `${Math.round((part / whole) * 100)}%`);

function formatFailure(failure: ExploreFailure, index: number): string[] {
  const shrunk = failure.originalLength > failure.events.length ? ` (shrunk from ${failure.originalLength} in ${failure.shrinkRuns} runs)` : "";
  return [
    `  ${index + 1}. ${failure.kind}: ${failure.message}`,
    `     seed ${failure.seed} (${failure.count} run${failure.count === 1 ? "" : "s"} failed this way); ${failure.events.length} event${failure.events.length === 1 ? "" : "s"}${shrunk}:`,
    ...failure.events.map((event, at) => `       ${at + 1}. ${formatEvent(event)}`),
    ...(failure.sessionId ? [`     session: ${failure.sessionDir}`] : []),
  ];
}

export function formatReport(report: ExploreReport): string {
  const { states, transitions } = report;
  const outcomes = Object.entries(report.outcomes)
    .sort(([a], [b]) => (a === "done" ? -1 : b === "done" ? 1 : a.localeCompare(b)))
    .map(([outcome, count]) => `${count} ${outcome}`)
    .join(", ");
  const stateTotal = states.reached.length + states.missed.length;
  const transitionTotal = transitions.reached.length + transitions.missed.length;
  const lines = [
    `chart ${report.chartId}: ${report.runs} simulated run${report.runs === 1 ? "" : "s"} from seed ${report.seed} in ${(report.elapsedMs / 1000).toFixed(2)} s: ${outcomes || "none"}`,
    `states reached: ${states.reached.length}/${stateTotal} (${percent(states.reached.length, stateTotal)})`,
    ...states.missed.map((state) => `  never reached: ${state}`),
    `transitions taken: ${transitions.reached.length}/${transitionTotal} (${percent(transitions.reached.length, transitionTotal)})`,
    ...transitions.missed.map((transition) => `  never taken: ${transition}`),
    ...report.children.flatMap((child) => {
      const childStates = child.states.reached.length + child.states.missed.length;
      const childTransitions = child.transitions.reached.length + child.transitions.missed.length;
      return [
        `child chart ${child.chartId} (${child.sessions} child session${child.sessions === 1 ? "" : "s"}):`,
        `  states reached: ${child.states.reached.length}/${childStates} (${percent(child.states.reached.length, childStates)})`,
        ...child.states.missed.map((state) => `    never reached: ${state}`),
        `  transitions taken: ${child.transitions.reached.length}/${childTransitions} (${percent(child.transitions.reached.length, childTransitions)})`,
        ...child.transitions.missed.map((transition) => `    never taken: ${transition}`),
      ];
    }),
  ];
  for (const kept of report.kept ?? []) lines.push(`session of seed ${kept.seed}: ${kept.sessionDir}`);
  if (report.failures.length === 0) lines.push("no failures");
  else {
    lines.push(`failures: ${report.failures.length}`);
    report.failures.forEach((failure, index) => lines.push(...formatFailure(failure, index)));
  }
  return lines.join("\n");
}
