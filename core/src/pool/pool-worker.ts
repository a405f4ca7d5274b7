/**
 * The body of a pool thread: runs each job it is sent (several at once) and answers with the
 * result. Tells the pool when it is ready, that is when the core has loaded.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { Script } from "../llm/script.js";
import { jobRunner } from "./job-runner.js";
import type { PoolReply, PoolRequest, PoolThreadData } from "./pool-protocol.js";

const { cwd, env, setup } = workerData as PoolThreadData;
const port = parentPort!;
// The host's setup (an OpenTelemetry SDK registering its tracer provider, say) comes first: a
// failure ends the thread, and the pool reports it through `ready()` and the thread's jobs.
if (setup !== undefined) {
  try {
    await import(setup);
  } catch (error) {
    throw new Error(`threadSetup ${setup} failed: ${(error as Error)?.message ?? String(error)}`);
  }
}
// The public entry every chart imports, loaded before the chart loader's hooks are in place: once
// they are, every module Node loads goes through them (a round trip to the loader thread each).
// Nothing the entry loads imports this module: the pool starts it by URL, as a thread of its own.
const run = jobRunner(cwd, env, { beforeHooks: () => import("../index.js") });
/** Scripts of the running jobs, by the number the main thread gave them; kept until it says to forget one. */
const scripts = new Map<number, Script>();

port.on("message", (request: PoolRequest) => {
  if (request.kind === "forget") {
    scripts.delete(request.scriptId);
    return;
  }
  if (request.script) scripts.set(request.script.id, request.script.steps);
  const script = request.script?.steps ?? (request.scriptId === undefined ? undefined : scripts.get(request.scriptId));
  // Detached: the job's outcome, success or failure, is posted back as a reply when it settles.
  void run(script ? { ...request.job, script } : request.job)
    .then(
      (result): PoolReply => ({ kind: "result", id: request.id, result }),
      (error: unknown): PoolReply => ({ kind: "failed", id: request.id, message: (error as Error).message ?? String(error) }),
    )
    .then((reply) => port.postMessage(reply));
});
port.postMessage({ kind: "ready" } satisfies PoolReply);
