/**
 * Loading a chart module (peer checks, TypeScript, the module format hooks) and choosing where its
 * model answers come from (a cassette, a script, the project's live providers).
 */
export { loadChart, resolveChartPath, type LoadChartOptions, type LoadedChart } from "./load-chart.js";
export { checkPeers, otherCoreOf, formatPeerProblem, formatOtherCore } from "./peer-check.js";
export { modelForChart, unavailableModel, type ChartModel, type ReplayFlags } from "./model-for-chart.js";
export { liveModelFor, loadLiveModel, loadLiveModelWithMiddleware, type LiveModelOptions } from "./live-model.js";
export { loadConfigMiddleware, type ConfigMiddlewareOptions } from "./config-middleware.js";
export { importModule } from "./import-module.js";
