import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { RunResult } from "../runtime/runner.js";
import type { Script } from "../llm/script.js";
import { HeldValues } from "./held-values.js";
import type { PoolJob, PoolReply, PoolRequest, PoolThreadData } from "./pool-protocol.js";

export interface SessionPoolOptions {
  /** Threads to run sessions on. Default: one per CPU. */
  threads?: number;
  /** Where chart paths and `.escapement` resolve. Default `process.cwd()`. */
  cwd?: string;
  /** The environment model providers read their keys from. Default `process.env`. */
  env?: Record<string, string | undefined>;
}

interface Thread {
  worker: Worker;
  /** Jobs sent and not answered. */
  running: Map<number, { resolve: (result: RunResult) => void; reject: (error: Error) => void; script?: Script }>;
  /** Numbers of the scripts the thread holds for its running jobs. */
  scripts: HeldValues<Script, number>;
  /** Why the thread is gone, once it is. */
  gone?: Error;
}

/**
 * Runs sessions on worker threads of this process, so many concurrent sessions use every core:
 * each thread runs its share of the jobs at once, as one process would. A job is a chart module
 * path and plain data (input, script); its result is the `runChart` result. Each session writes
 * its own directory, as with `runChart`.
 */
export class SessionPool {
  readonly threads: number;
  readonly #threads: Thread[];
  #nextId = 1;
  #nextScriptId = 1;
  #closed = false;

  constructor(options: SessionPoolOptions = {}) {
    this.threads = options.threads ?? availableParallelism();
    if (!Number.isInteger(this.threads) || this.threads < 1) throw new RangeError(`SessionPool: threads must be a positive integer, got ${options.threads}`);
    const workerData: PoolThreadData = { cwd: options.cwd ?? process.cwd(), env: { ...(options.env ?? process.env) } };
    this.#threads = Array.from({ length: this.threads }, () => this.#start(workerData));
  }

  #start(workerData: PoolThreadData): Thread {
    const worker = new Worker(new URL("./worker-entry.mjs", import.meta.url), { workerData });
    const thread: Thread = { worker, running: new Map(), scripts: new HeldValues() };
    const fail = (error: Error) => {
      thread.gone ??= error;
      for (const job of thread.running.values()) job.reject(thread.gone);
      thread.running.clear();
    };
    worker.on("message", (reply: PoolReply) => {
      const job = thread.running.get(reply.id);
      if (!job) return;
      thread.running.delete(reply.id);
      if (job.script) this.#release(thread, job.script);
      if (reply.kind === "result") job.resolve(reply.result);
      else job.reject(new Error(reply.message));
    });
    worker.on("error", (error) => fail(new Error(`session pool thread failed: ${error.message}`)));
    worker.on("exit", (code) => fail(new Error(`session pool thread exited (code ${code}) with sessions running`)));
    return thread;
  }

  /**
   * Runs one session on the thread with the fewest running. Resolves with its result (status done,
   * aborted or error, as `runChart`); rejects when the job cannot start (no such chart, say) or
   * its thread dies.
   */
  run(job: PoolJob): Promise<RunResult> {
    if (this.#closed) return Promise.reject(new Error("session pool is closed"));
    const live = this.#threads.filter((thread) => !thread.gone);
    if (live.length === 0) return Promise.reject(this.#threads[0]!.gone!);
    const thread = live.reduce((least, each) => (each.running.size < least.running.size ? each : least));
    const id = this.#nextId++;
    const { script, ...rest } = job;
    const request: PoolRequest = { kind: "run", id, job: rest };
    if (script) {
      const held = thread.scripts.hold(script, () => this.#nextScriptId++);
      if (held.fresh) request.script = { id: held.value, steps: script };
      else request.scriptId = held.value;
    }
    return new Promise<RunResult>((resolve, reject) => {
      try {
        thread.worker.postMessage(request);
      } catch (error) {
        if (script) this.#release(thread, script);
        // A job crosses to the thread by structured clone: a function (a script step, say) cannot.
        reject(new Error(`session pool: the job for ${job.chart} cannot be sent to a thread: ${(error as Error).message}`));
        return;
      }
      thread.running.set(id, { resolve, reject, ...(script ? { script } : {}) });
    });
  }

  /** One job of `script` on `thread` ended; with the last one the thread forgets the script. */
  #release(thread: Thread, script: Script): void {
    const scriptId = thread.scripts.release(script);
    if (scriptId !== undefined && !thread.gone) thread.worker.postMessage({ kind: "forget", scriptId } satisfies PoolRequest);
  }

  /** Ends the threads. Sessions still running are cut off (their directories resume with `--resume`). */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#threads.map((thread) => thread.worker.terminate()));
  }
}
