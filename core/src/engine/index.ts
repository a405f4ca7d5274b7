/**
 * The engine: runs a chart as a session (start, resume, checkpoints, the wedge and loop guards),
 * and lends the chart's actors the run's services. Chart helpers (core/src/chart) build on it.
 */
export {
  runChart,
  startChart,
  prepareResume,
  callHistory,
  type RunChartOptions,
  type RunResult,
  type RunStatus,
  type ChartHandle,
  type RunStartInfo,
} from "./runner.js";
export { defineChart, type ChartDefinition } from "./define-chart.js";
export type { ChartSimulation, ChartProperty, ChartView, PayloadArbitrary, ArbitraryView } from "./chart-simulation.js";
export { SteerChannel, STEER_REFUSALS, type SteerResult, type SteerRefusal, type SteerSource } from "./steer-channel.js";
export { bindRunServices, runServicesOf, type RunServices, type ChildRunHost } from "./run-services.js";
export { buildModelChain, type ModelChainOptions } from "./model-chain.js";
