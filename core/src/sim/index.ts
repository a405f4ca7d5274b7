/**
 * The simulator: runs a chart with a simulated model and human (choices seeded, payloads generated
 * from the event schemas), explores many runs for coverage and failures, and shrinks each failure
 * to a short reproducing run.
 */
export { exploreChart, simSetup, type ExploreOptions, type ExploreReport, type ExploreFailure, type ChildCoverage } from "./explore.js";
export { simRun, type SimRunResult, type SimRunOptions, type SimSetup, type SimEvent, type SimFailure, type FailureKind, type Coverage } from "./sim-run.js";
export { SimulatedClock, type SimulatedClockOptions } from "./sim-clock.js";
export { SimulatedModel, type SimulatedModelOptions, type Choice } from "./sim-model.js";
export { SimulatedHuman, type SimulatedHumanOptions } from "./sim-human.js";
export { DecisionSource, type Decision } from "./decisions.js";
export { PayloadArbitraries, UngenerableEventError } from "./payload-arbitraries.js";
export { zodArbitrary, UngenerableSchemaError, formatSchemaPath, type SchemaPath, type PathArbitraries } from "./zod-arbitrary.js";
export { chartGraph, childCharts, type ChartGraph } from "./chart-graph.js";
export { formatReport, formatEvent } from "./format-report.js";
export { checkChart, ChartCheckError, type CheckChartOptions } from "./check-chart.js";
