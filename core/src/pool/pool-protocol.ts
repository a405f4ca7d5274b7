import type { Script } from "../llm/script.js";
import type { RunResult } from "../engine/runner.js";

/** One session for a pool thread to run. Everything in it crosses a thread, so it is plain data. */
export interface PoolJob {
  /** The chart module (a file, or a directory holding chart.ts / index.ts), resolved against the pool's `cwd`. */
  chart: string;
  /** Exact session directory. Default: a new one under `<cwd>/.escapement`. */
  sessionDir?: string;
  input?: unknown;
  /**
   * Answer from this script (data steps only: a function step cannot cross to a thread). Default:
   * as `escapement run` does, the project's live model, else the chart's bundled cassette or script.
   */
  script?: Script;
}

/**
 * What the main thread sends a pool thread. A script object that several jobs share crosses to a
 * thread once: the first job on that thread carries it (`script`) under a number, later ones name
 * the number (`scriptId`). The main thread counts the thread's running jobs of each script and,
 * when none is left, tells the thread to forget it (`forget`).
 */
export type PoolRequest =
  { kind: "run"; id: number; job: Omit<PoolJob, "script">; script?: { id: number; steps: Script }; scriptId?: number } | { kind: "forget"; scriptId: number };

/** What a pool thread answers: the run's result, or why the job could not start; and once, that it is ready. */
export type PoolReply = { kind: "result"; id: number; result: RunResult } | { kind: "failed"; id: number; message: string } | { kind: "ready" };

/** Set up once per thread (`workerData`). */
export interface PoolThreadData {
  cwd: string;
  env: Record<string, string | undefined>;
  /** A module the thread imports before it takes jobs (`SessionPoolOptions.threadSetup`), as a file URL. */
  setup?: string;
}
