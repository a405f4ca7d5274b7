/**
 * Runs pool jobs with `runChart` in the thread that holds it: a pool thread has one, and so does
 * the calling thread when the pool gives it a share (`SessionPoolOptions.callingThread`). Charts
 * and the live model are loaded once per runner.
 */
import { loadChart, type LoadChartOptions, type LoadedChart } from "../loader/load-chart.js";
import { loadLiveModel } from "../loader/live-model.js";
import { modelForChart, type ChartModel } from "../loader/model-for-chart.js";
import { scriptedModel } from "../llm/scripted-model.js";
import type { ModelClient } from "../llm/protocol.js";
import { runChart, type RunResult } from "../engine/runner.js";
import type { RunChartOptions } from "../engine/run-options.js";
import type { PoolJob } from "./pool-protocol.js";

export type JobRunner = (job: PoolJob) => Promise<RunResult>;

/** Rejects when the job cannot start (its chart does not load, say); otherwise resolves with the run's result. */
export function jobRunner(
  cwd: string,
  env: Record<string, string | undefined>,
  loadOptions: LoadChartOptions = {},
  runOptions: Pick<RunChartOptions, "tracerProvider"> = {},
): JobRunner {
  const charts = new Map<string, Promise<LoadedChart>>();
  let live: ChartModel | undefined | null = null;

  const chartOf = (path: string): Promise<LoadedChart> => {
    let loaded = charts.get(path);
    if (!loaded) {
      loaded = loadChart(path, cwd, loadOptions);
      charts.set(path, loaded);
    }
    return loaded;
  };

  const modelFor = async (job: PoolJob, loaded: LoadedChart): Promise<ModelClient> => {
    // A scripted model keeps its place in the script: every job gets its own.
    if (job.script) return scriptedModel(job.script);
    if (live === null) live = loadLiveModel(cwd, env);
    return (await modelForChart(loaded.dir, loaded.chart.id, {}, live)).model;
  };

  return async (job) => {
    const loaded = await chartOf(job.chart);
    return runChart({
      chart: loaded.chart,
      chartModule: loaded.modulePath,
      model: await modelFor(job, loaded),
      cwd,
      ...(job.sessionDir === undefined ? {} : { sessionDir: job.sessionDir }),
      ...(job.input === undefined ? {} : { input: job.input }),
      ...runOptions,
    });
  };
}
