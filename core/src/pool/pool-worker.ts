/**
 * The body of a pool thread: runs each job it is sent with `runChart`, several at once, and
 * answers with the result. Charts and models are loaded once per thread.
 */
import { parentPort, workerData } from "node:worker_threads";
import { loadChart, type LoadedChart } from "../cli/load-chart.js";
import { loadLiveModel } from "../cli/live-model.js";
import { modelForChart, type ChartModel } from "../cli/model-for-chart.js";
import { scriptedModel } from "../llm/scripted-model.js";
import type { ModelClient } from "../llm/protocol.js";
import { runChart } from "../runtime/runner.js";
import type { Script } from "../llm/script.js";
import type { PoolJob, PoolReply, PoolRequest, PoolThreadData } from "./pool-protocol.js";

const { cwd, env } = workerData as PoolThreadData;
const port = parentPort!;
const charts = new Map<string, Promise<LoadedChart>>();
let live: ChartModel | undefined | null = null;
/** Scripts of the running jobs, by the number the main thread gave them; kept until it says to forget one. */
const scripts = new Map<number, Script>();

const chartOf = (path: string): Promise<LoadedChart> => {
  let loaded = charts.get(path);
  if (!loaded) {
    loaded = loadChart(path, cwd);
    charts.set(path, loaded);
  }
  return loaded;
};

async function modelFor(job: PoolJob, loaded: LoadedChart): Promise<ModelClient> {
  // A scripted model keeps its place in the script: every job gets its own.
  if (job.script) return scriptedModel(job.script);
  if (live === null) live = loadLiveModel(cwd, env);
  return (await modelForChart(loaded.dir, loaded.chart.id, {}, live)).model;
}

async function run(id: number, job: PoolJob): Promise<PoolReply> {
  try {
    const loaded = await chartOf(job.chart);
    const result = await runChart({
      chart: loaded.chart,
      chartModule: loaded.modulePath,
      model: await modelFor(job, loaded),
      cwd,
      ...(job.sessionDir === undefined ? {} : { sessionDir: job.sessionDir }),
      ...(job.input === undefined ? {} : { input: job.input }),
    });
    return { kind: "result", id, result };
  } catch (error) {
    return { kind: "failed", id, message: (error as Error).message ?? String(error) };
  }
}

port.on("message", (request: PoolRequest) => {
  if (request.kind === "forget") {
    scripts.delete(request.scriptId);
    return;
  }
  if (request.script) scripts.set(request.script.id, request.script.steps);
  const script = request.script?.steps ?? (request.scriptId === undefined ? undefined : scripts.get(request.scriptId));
  void run(request.id, script ? { ...request.job, script } : request.job).then((reply) => port.postMessage(reply));
});
