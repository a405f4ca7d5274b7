/**
 * The concurrency half of `npm run bench:runner`: C sessions in one process, each a full
 * `runChart` (own session directory, transcript, checkpoint journal, io blobs, scripted model)
 * doing six streamed turns: first token after 200 ms, then 50 tokens 5 ms apart.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { setup } from "xstate";
import { z } from "zod";
import { SessionPool, converse, defineChart, inlineActors, scriptedModel, type ModelRequest, type ReplyStep, type TranscriptRow } from "@escapement/core";
import { runChart, type RunResult } from "@escapement/core/unstable";

export const TURNS = 6;
export const FIRST_TOKEN_MS = 200;
export const TOKENS = 50;
export const TOKEN_GAP_MS = 5;
/** One session alone, with no overhead at all. */
export const IDEAL_MS = TURNS * (FIRST_TOKEN_MS + TOKENS * TOKEN_GAP_MS);

/** Turns 1-5 report progress with an event tool (handled in place, so the conversation goes on); turn 6 ends it. */
const machine = setup({ actors: inlineActors }).createMachine({
  id: "bench-session",
  initial: "working",
  states: {
    working: {
      invoke: converse({
        id: "agent",
        system: "You work in small steps and report each one.",
        message: "Do the task in six steps.",
        realTools: [],
        allowedEvents: { "step.done": { schema: z.object({ step: z.number().int() }), description: "report a finished step" } },
      }),
      on: { "step.done": {}, "llm.idle": "done" },
    },
    done: { type: "final" },
  },
});

export const sessionChart = defineChart({ id: "bench-session", machine });
/** Pool threads load the chart from this module. */
export default sessionChart;

const words = "the chart decides what happens next while the model streams tokens".split(" ");

const turnStep = (turn: number): ReplyStep => ({
  firstTokenMs: FIRST_TOKEN_MS,
  deltas: Array.from({ length: TOKENS }, (_, index) => ({ text: `${words[(index + turn) % words.length]} `, afterMs: TOKEN_GAP_MS })),
  ...(turn < TURNS ? { events: [{ name: "step_done", payload: { step: turn } }] } : {}),
});

export const sessionScript = (): ReplyStep[] => Array.from({ length: TURNS }, (_, index) => turnStep(index + 1));

export interface SessionsResult {
  sessions: number;
  /** Threads the sessions ran on: 1 is the main thread (runChart), more is a SessionPool; 0 is the model alone (`runModelAlone`). */
  threads: number;
  wallMs: number;
  /** Time to call runChart for every session (each call does its setup synchronously). */
  launchMs: number;
  peakRssBytes: number;
  /** Sessions that did not end `done` after six turns (thrown, errored, unfinished at the deadline), plus uncaught exceptions. */
  errors: number;
  /** The first few distinct error messages, with counts. */
  errorSamples: string[];
  finished: number;
  timedOut: boolean;
  /** CPU time of the whole process (every thread) while the sessions ran. */
  cpuMs: number;
  /** The part of cpuMs spent in the kernel (file system calls, mostly). */
  systemCpuMs: number;
}

/** Samples RSS on an interval (and on demand) and keeps the peak. */
export class RssSampler {
  peak = 0;
  readonly #timer: NodeJS.Timeout;

  constructor(intervalMs = 25) {
    this.sample();
    this.#timer = setInterval(() => this.sample(), intervalMs);
  }

  sample(): void {
    try {
      const rss = process.memoryUsage.rss();
      if (rss > this.peak) this.peak = rss;
    } catch {
      // Reading RSS needs a file descriptor; when the process has none left, skip this sample.
    }
  }

  stop(): number {
    clearInterval(this.#timer);
    this.sample();
    return this.peak;
  }
}

/** Counts errors by message shape (digits folded), keeping the first few for the report. */
class ErrorTally {
  count = 0;
  readonly #kinds = new Map<string, number>();

  add(message: string): void {
    this.count++;
    const kind = message.replace(/\d+/g, "N").slice(0, 200);
    this.#kinds.set(kind, (this.#kinds.get(kind) ?? 0) + 1);
  }

  samples(max = 4): string[] {
    return [...this.#kinds]
      .sort((a, b) => b[1] - a[1])
      .slice(0, max)
      .map(([kind, count]) => `${count} x ${kind}`);
  }
}

/**
 * Starts `count` sessions at once and waits for all of them, or for `deadlineMs`; sessions still
 * running then count as errors. Exceptions nobody catches (say, a transcript flush failing inside
 * a timer) are counted too instead of ending the bench.
 */
export async function runSessions(count: number, root: string, deadlineMs: number, warmup = 0): Promise<SessionsResult> {
  // One script for all: it is read-only data (each model keeps its own position in it), as the
  // same task would be for every session of a real fleet.
  const script = sessionScript();
  await warmUp(warmup, (index) => runChart({ chart: sessionChart, model: scriptedModel(script), sessionDir: join(root, "warm-up", `s${index}`) }));
  return measureSessions(count, 1, deadlineMs, (index) => {
    const model = scriptedModel(script);
    // The first model-side error a session records (say, a failed io write), to explain how it ended.
    let cause = "";
    const tap = (rows: readonly TranscriptRow[]) => {
      if (cause) return;
      const failed = rows.find((row) => row.event === "llm/error");
      if (failed) cause = ` (after llm/error: ${(failed.data as { message?: string }).message ?? "?"})`;
    };
    return runChart({ chart: sessionChart, model, sessionDir: join(root, `s${index}`), taps: [tap] }).then((result) => {
      if (result.status !== "done") return `session ended ${result.status}: ${result.error?.category ?? ""}${cause}`;
      if (model.calls.length !== TURNS) return `session made ${model.calls.length} model calls, expected ${TURNS}`;
      return undefined;
    });
  });
}

/** A turn's request as the model alone gets it (the scripted model answers by position, not by content). */
const aloneRequest = (turn: number): ModelRequest => ({
  model: "default",
  messages: [{ role: "user", content: [{ type: "text", text: "Do the task in six steps." }] }],
  tools: [],
  params: {},
  stream: true,
  origin: { invokeId: "agent", stateId: "working", turn },
});

/**
 * The baseline of the sessions: the same scripted model answering the same six turns for
 * `count` callers at once, with no runner at all (no chart, no session, its deltas dropped).
 * What the stand-in for a remote model costs by itself (a timer per delta): the floor under any
 * runner's figure, measured in the same way.
 */
export async function runModelAlone(count: number, deadlineMs: number, warmup = 0): Promise<SessionsResult> {
  const script = sessionScript();
  const session = async (): Promise<string | undefined> => {
    const model = scriptedModel(script);
    const signal = new AbortController().signal;
    for (let turn = 1; turn <= TURNS; turn++) await model.call(aloneRequest(turn), { signal, onDelta: () => {} });
    return model.calls.length === TURNS ? undefined : `the model answered ${model.calls.length} calls, expected ${TURNS}`;
  };
  await warmUp(warmup, session);
  return measureSessions(count, 0, deadlineMs, session);
}

/**
 * The same sessions on a SessionPool of `threads` threads in this process: this one plus
 * `threads - 1` workers, started (core loaded) before the clock starts.
 */
export async function runSessionsOnPool(
  count: number,
  threads: number,
  root: string,
  deadlineMs: number,
  warmup = 0,
): Promise<SessionsResult & { poolStartMs: number }> {
  const started = performance.now();
  const pool = new SessionPool({ threads: threads - 1, callingThread: true });
  const chart = fileURLToPath(import.meta.url);
  const script = sessionScript();
  try {
    await pool.ready();
    const poolStartMs = performance.now() - started;
    // Started together, the warm-up sessions spread over every thread of the pool.
    await warmUp(warmup, (index) => pool.run({ chart, script, sessionDir: join(root, "warm-up", `s${index}`) }));
    const result = await measureSessions(count, threads, deadlineMs, (index) =>
      pool
        .run({ chart, script, sessionDir: join(root, `s${index}`) })
        .then((result: RunResult) =>
          result.status === "done" ? undefined : `session ended ${result.status}: ${result.error?.category ?? ""} ${result.error?.message ?? ""}`,
        ),
    );
    return { ...result, poolStartMs };
  } finally {
    await pool.close();
  }
}

/**
 * Runs `count` sessions to the end before the clock starts, so the measured ones run on code the
 * JIT has compiled (as in a process that has served sessions before), not on its first tries.
 */
async function warmUp(count: number, start: (index: number) => Promise<unknown>): Promise<void> {
  await Promise.all(Array.from({ length: count }, (_, index) => start(index)));
}

/**
 * Starts `count` sessions at once and waits for all of them, or for `deadlineMs`; sessions still
 * running then count as errors. `start` launches session `index` and resolves with what went wrong
 * (undefined: it ended done). Exceptions nobody catches (say, a transcript flush failing inside a
 * timer) are counted too instead of ending the bench.
 */
async function measureSessions(
  count: number,
  threads: number,
  deadlineMs: number,
  start: (index: number) => Promise<string | undefined>,
): Promise<SessionsResult> {
  const errors = new ErrorTally();
  const onUncaught = (error: Error) => errors.add(`uncaught: ${error.message}`);
  process.on("uncaughtException", onUncaught);
  const sampler = new RssSampler();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let finished = 0;
  const runs: Promise<void>[] = [];
  for (let index = 0; index < count; index++) {
    let run: Promise<void>;
    try {
      run = start(index).then(
        (problem) => {
          finished++;
          if (problem) errors.add(problem);
        },
        (error: unknown) => {
          finished++;
          errors.add(`session rejected: ${(error as Error).message}`);
        },
      );
    } catch (error) {
      finished++;
      errors.add(`session threw: ${(error as Error).message}`);
      run = Promise.resolve();
    }
    runs.push(run);
  }
  const launchMs = performance.now() - started;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<"deadline">((resolve) => (timer = setTimeout(() => resolve("deadline"), deadlineMs)));
  const outcome = await Promise.race([Promise.all(runs).then(() => "all" as const), deadline]);
  clearTimeout(timer);
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const peakRssBytes = sampler.stop();
  process.off("uncaughtException", onUncaught);
  const timedOut = outcome === "deadline";
  if (timedOut) for (let index = finished; index < count; index++) errors.add(`session unfinished at the ${Math.round(deadlineMs)} ms deadline`);
  return {
    sessions: count,
    threads,
    wallMs,
    launchMs,
    peakRssBytes,
    errors: errors.count,
    errorSamples: errors.samples(),
    finished,
    timedOut,
    cpuMs: (cpu.user + cpu.system) / 1000,
    systemCpuMs: cpu.system / 1000,
  };
}
