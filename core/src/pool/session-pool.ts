import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { TracerProvider } from "@opentelemetry/api";
import type { RunResult } from "../engine/runner.js";
import type { Script } from "../llm/script.js";
import { HeldValues } from "./held-values.js";
import { jobRunner, type JobRunner } from "./job-runner.js";
import type { PoolJob, PoolReply, PoolRequest, PoolThreadData } from "./pool-protocol.js";

export interface SessionPoolOptions {
  /** Worker threads to start. Default: one per CPU, one less with `callingThread`. */
  threads?: number;
  /**
   * Also run a share of the jobs on the thread that made the pool (default false): the same cores
   * with one thread (and its memory) fewer, for a process that does little else. A job run here is
   * not copied, so its script may hold function steps.
   */
  callingThread?: boolean;
  /** Where chart paths and `.escapement` resolve. Default `process.cwd()`. */
  cwd?: string;
  /** The environment model providers read their keys from. Default `process.env`. */
  env?: Record<string, string | undefined>;
  /**
   * A module each thread imports before it takes jobs (a path, resolved against `cwd`, or a file
   * URL): where a thread's sessions get what cannot cross a thread, e.g. an OpenTelemetry SDK that
   * registers its tracer provider globally, which the thread's runs then trace through. A module
   * that fails to load fails the thread (`ready()` rejects naming it).
   */
  threadSetup?: string;
  /** Where the spans of the calling thread's share go (see `callingThread`); its threads use what `threadSetup` registers. */
  tracerProvider?: TracerProvider;
}

interface Thread {
  worker: Worker;
  /** Jobs sent and not answered. */
  running: Map<number, { resolve: (result: RunResult) => void; reject: (error: Error) => void; script?: Script }>;
  /** Numbers of the scripts the thread holds for its running jobs. */
  scripts: HeldValues<Script, number>;
  /** Settles when the thread has loaded the core (or failed first). */
  ready: Promise<void>;
  /** Why the thread is gone, once it is. */
  gone?: Error;
}

/**
 * Runs sessions on worker threads of this process, so many concurrent sessions use every core:
 * each thread runs its share of the jobs at once, as one process would. A job is a chart module
 * path and plain data (input, script); its result is the `runChart` result. Each session writes
 * its own directory, as with `runChart`.
 */
/**
 * The module a pool thread starts in: the compiled worker, or, when the core runs from its
 * TypeScript sources (its own tests), an entry that registers tsx first (a worker does not
 * inherit the loader of the thread that made it).
 */
/** A module path (against `cwd`) or URL as the URL `import()` takes in any thread. */
const moduleUrl = (module: string, cwd: string): string =>
  /^[a-z][a-z0-9+.-]*:/i.test(module) && !/^[a-z]:[\\/]/i.test(module) ? module : pathToFileURL(resolve(cwd, module)).href;

const workerEntry = (): URL =>
  import.meta.url.endsWith(".ts") ? new URL("./source-worker-entry.mjs", import.meta.url) : new URL("./pool-worker.js", import.meta.url);

export class SessionPool {
  /** Worker threads started (the calling thread, when it takes a share, is not counted). */
  readonly threads: number;
  readonly callingThread: boolean;
  readonly #threads: Thread[];
  readonly #data: PoolThreadData;
  readonly #tracerProvider: TracerProvider | undefined;
  /** Jobs of the calling thread's share: its runner (made with the first one) and how many run. */
  #local: { run: JobRunner; running: number } | undefined;
  #nextId = 1;
  #nextScriptId = 1;
  #closed = false;

  constructor(options: SessionPoolOptions = {}) {
    this.callingThread = options.callingThread ?? false;
    this.threads = options.threads ?? Math.max(1, availableParallelism() - (this.callingThread ? 1 : 0));
    const least = this.callingThread ? 0 : 1;
    if (!Number.isInteger(this.threads) || this.threads < least) {
      throw new RangeError(`SessionPool: threads must be an integer >= ${least}, got ${options.threads}`);
    }
    const cwd = options.cwd ?? process.cwd();
    this.#data = {
      cwd,
      env: { ...(options.env ?? process.env) },
      ...(options.threadSetup === undefined ? {} : { setup: moduleUrl(options.threadSetup, cwd) }),
    };
    this.#tracerProvider = options.tracerProvider;
    this.#threads = Array.from({ length: this.threads }, () => this.#start(this.#data));
  }

  /** Resolves when every thread has loaded the core, so the first jobs do not wait for it; rejects when a thread failed to start. */
  async ready(): Promise<void> {
    await Promise.all(this.#threads.map((thread) => thread.ready));
  }

  #start(workerData: PoolThreadData): Thread {
    const worker = new Worker(workerEntry(), { workerData });
    let started: () => void = () => {};
    let failedToStart: (error: Error) => void = () => {};
    const ready = new Promise<void>((resolve, reject) => {
      started = resolve;
      failedToStart = reject;
    });
    // Nobody may ask for `ready()`: a thread that fails is reported through its jobs too.
    ready.catch(() => {});
    const thread: Thread = { worker, running: new Map(), scripts: new HeldValues(), ready };
    const fail = (error: Error) => {
      thread.gone ??= error;
      failedToStart(thread.gone);
      for (const job of thread.running.values()) job.reject(thread.gone);
      thread.running.clear();
    };
    worker.on("message", (reply: PoolReply) => {
      if (reply.kind === "ready") return started();
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
    const thread = live.length === 0 ? undefined : live.reduce((least, each) => (each.running.size < least.running.size ? each : least));
    if (this.callingThread && (!thread || (this.#local?.running ?? 0) <= thread.running.size)) return this.#runHere(job);
    if (!thread) return Promise.reject(this.#threads[0]!.gone!);
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

  async #runHere(job: PoolJob): Promise<RunResult> {
    this.#local ??= {
      run: jobRunner(this.#data.cwd, this.#data.env, {}, this.#tracerProvider ? { tracerProvider: this.#tracerProvider } : {}),
      running: 0,
    };
    const local = this.#local;
    local.running++;
    try {
      return await local.run(job);
    } finally {
      local.running--;
    }
  }

  /** One job of `script` on `thread` ended; with the last one the thread forgets the script. */
  #release(thread: Thread, script: Script): void {
    const scriptId = thread.scripts.release(script);
    if (scriptId !== undefined && !thread.gone) thread.worker.postMessage({ kind: "forget", scriptId } satisfies PoolRequest);
  }

  /**
   * Ends the threads. Their sessions still running are cut off (their directories resume with
   * `--resume`); sessions on the calling thread run on.
   */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#threads.map((thread) => thread.worker.terminate()));
  }
}
