/** `checkChart`: exploration as one assertion, for test suites (`@escapement/core/testing`). */
import type { AnyStateMachine } from "xstate";
import type { ChartDefinition } from "../engine/index.js";
import { exploreChart, type ExploreOptions, type ExploreReport } from "./explore.js";
import { formatReport } from "./format-report.js";

export interface CheckChartOptions extends ExploreOptions {
  /** Fail unless every state was reached (true), or these states were (default: coverage is reported, not required). */
  reachAll?: boolean;
  reach?: readonly string[];
}

/** A failed `checkChart`: its message is the report; `report` is the data. */
export class ChartCheckError extends Error {
  override readonly name = "ChartCheckError";
  constructor(
    message: string,
    readonly report: ExploreReport,
  ) {
    super(message);
  }
}

/**
 * Explores `chart` and resolves with the report when no run failed (and the states asked for were
 * reached); rejects with a `ChartCheckError` whose message is the report otherwise.
 */
export async function checkChart(chart: ChartDefinition | AnyStateMachine, options: CheckChartOptions = {}): Promise<ExploreReport> {
  const { reachAll, reach, ...explore } = options;
  const report = await exploreChart(chart, { seed: 1, ...explore });
  const missing = reachAll ? report.states.missed : (reach ?? []).filter((state) => !report.states.reached.includes(state));
  const problems = [
    ...(report.failures.length > 0 ? [`${report.failures.length} kind(s) of failing run`] : []),
    ...(missing.length > 0 ? [`states never reached: ${missing.join(", ")}`] : []),
  ];
  if (problems.length > 0) throw new ChartCheckError(`chart ${report.chartId}: ${problems.join("; ")}\n${formatReport(report)}`, report);
  return report;
}
