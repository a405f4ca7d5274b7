/**
 * @escapement/core/testing: chart exploration in a test suite (vitest, or any runner that fails a
 * test on a rejected promise). `await checkChart(chart, { runs: 200, seed: 1 })` makes simulated
 * runs and rejects with the report (coverage, each failure's seed and shortest event sequence)
 * when a run fails or a coverage expectation is not met. `fc` is the fast-check the simulator
 * uses: build a chart's `simulation.arbitraries` with it, so both speak the same copy.
 */
export { default as fc } from "fast-check";
export {
  checkChart,
  ChartCheckError,
  exploreChart,
  simRun,
  simSetup,
  formatReport,
  formatEvent,
  chartGraph,
  zodArbitrary,
  UngenerableEventError,
  UngenerableSchemaError,
  type CheckChartOptions,
  type ExploreOptions,
  type ExploreReport,
  type ExploreFailure,
  type ChildCoverage,
  type SimRunResult,
  type SimRunOptions,
  type SimSetup,
  type SimEvent,
  type SimFailure,
  type FailureKind,
  type ChartGraph,
} from "./sim/index.js";
