/**
 * The events/s half of `npm run bench:runner`: a two-state ping-pong chart that drives itself.
 *
 * Every step is a separate external event (its own macrostep, its own `runner/event-processed`
 * row, its own checkpoint-dirty mark) - what a runner processes per event. A plain `raise` would
 * not do: raised events are handled inside the macrostep that raised them, so the runner would
 * see one event for the whole loop. Two ways to send the next event:
 *
 * - burst: `sendTo(self)`: the event joins the actor's mailbox and the whole loop runs in one
 *   synchronous drain; the transcript flushes (and checkpoints) whenever its batch reaches
 *   256 KiB. The runner's best case: many events per flush.
 * - tick: `raise(..., { delay: 0 })` on a clock whose 0 ms timer is `setImmediate`: one event per
 *   event-loop turn, so every event gets its own flush and its own checkpoint. The worst case:
 *   an event arriving alone (a model reply, a human answer).
 */
import { assign, createActor, raise, sendTo, setup } from "xstate";
import { defineChart, sequentialIds, type ChartDefinition, type Clock } from "@escapement/core";
import { runChart } from "@escapement/core/unstable";
import type { ChartState } from "../../core/src/runtime/state-hash.js";
import { SecretScrubber } from "../../core/src/runtime/secret-scrubber.js";
import { StateWatch } from "../../core/src/engine/state-watch.js";

export type PingPongMode = "burst" | "tick";

interface Ctx {
  n: number;
  max: number;
}

type Step = { type: "PING" } | { type: "PONG" };

const machineFor = (mode: PingPongMode) =>
  setup({
    types: { context: {} as Ctx, input: {} as { max: number }, events: {} as Step },
    guards: { finished: ({ context }) => context.n >= context.max },
    actions: {
      count: assign({ n: ({ context }) => context.n + 1 }),
      // The next step as an external event: into the mailbox (burst), or on the next loop turn (tick).
      next:
        mode === "burst"
          ? sendTo(
              ({ self }) => self,
              (_, params: Step) => params,
            )
          : raise((_, params: Step) => params, { delay: 0 }),
    },
  }).createMachine({
    id: `ping-pong-${mode}`,
    context: ({ input }) => ({ n: 0, max: input.max }),
    initial: "ping",
    states: {
      ping: {
        entry: { type: "next", params: { type: "PONG" } },
        on: {
          PONG: [
            { guard: "finished", target: "end" },
            { target: "pong", actions: "count" },
          ],
        },
      },
      pong: {
        entry: { type: "next", params: { type: "PING" } },
        on: {
          PING: [
            { guard: "finished", target: "end" },
            { target: "ping", actions: "count" },
          ],
        },
      },
      end: { type: "final" },
    },
  });

export const pingPongMachines = { burst: machineFor("burst"), tick: machineFor("tick") };

export const pingPongChart = (mode: PingPongMode): ChartDefinition => defineChart({ id: `ping-pong-${mode}`, machine: pingPongMachines[mode] });

/** Real time, except that a 0 ms timer runs on the next event-loop turn (setImmediate), not after >= 1 ms. */
export const immediateClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => (ms <= 0 ? { immediate: setImmediate(callback) } : { timeout: setTimeout(callback, ms) }),
  clearTimeout: (handle) => {
    const h = handle as { immediate?: NodeJS.Immediate; timeout?: NodeJS.Timeout };
    if (h.immediate) clearImmediate(h.immediate);
    if (h.timeout) clearTimeout(h.timeout);
  },
};

/** Events processed by the chart for `max` counted steps: every counted step plus the final one. */
const eventsFor = (max: number): number => max + 1;

export interface ThroughputResult {
  events: number;
  ms: number;
  eventsPerSec: number;
}

/** The chart on a bare xstate actor: no runner, no transcript, no checkpoint. */
export async function bareThroughput(mode: PingPongMode, max: number): Promise<ThroughputResult> {
  const started = performance.now();
  const actor = createActor(pingPongMachines[mode], { input: { max }, clock: immediateClock });
  const finished = new Promise<void>((resolve, reject) => actor.subscribe({ complete: () => resolve(), error: (error) => reject(error as Error) }));
  actor.start();
  await finished;
  const ms = performance.now() - started;
  const snapshot = actor.getSnapshot();
  if (snapshot.context.n !== max) throw new Error(`bare ping-pong counted ${snapshot.context.n}, expected ${max}`);
  return { events: eventsFor(max), ms, eventsPerSec: eventsFor(max) / (ms / 1000) };
}

/** The same chart through `runChart`: a transcript row per event, a checkpoint at every flush. */
export async function runnerThroughput(mode: PingPongMode, max: number, sessionDir: string): Promise<ThroughputResult & { rows: number }> {
  const started = performance.now();
  const result = await runChart({
    chart: pingPongChart(mode),
    clock: immediateClock,
    input: { max },
    sessionDir,
    ids: sequentialIds("bench"),
    // No model call is made; the runner only needs a client to hand to conversations.
    model: { call: () => Promise.reject(new Error("no model in this bench")), assertAlias: () => {} },
  });
  const ms = performance.now() - started;
  if (result.status !== "done") throw new Error(`runner ping-pong ended ${result.status}: ${result.error?.message ?? ""}`);
  return { events: eventsFor(max), ms, eventsPerSec: eventsFor(max) / (ms / 1000), rows: await countRows(result.transcriptPath) };
}

async function countRows(path: string): Promise<number> {
  const { readFile } = await import("node:fs/promises");
  const text = await readFile(path, "utf8");
  let rows = 0;
  for (let index = text.indexOf("\n"); index !== -1; index = text.indexOf("\n", index + 1)) rows++;
  return rows;
}

/** States hashed (and timed) together: `performance.now()` costs about as much as a hash, so one reading per state would time the clock. */
const HASH_BATCH = 256;

/**
 * What the state hash every `runner/event-processed` row carries costs per event, measured where
 * the runner takes it: the chart on a bare xstate actor for `max` counted steps, the root's state
 * value and context taken from each snapshot as run-lifecycle takes them (context objects as
 * xstate's `assign` makes them), each hashed by the runner's own call (`StateWatch.hashOf`, no
 * secrets to scrub, as `runChart` without secrets), in batches of HASH_BATCH as the run makes
 * them. Only the hashing is timed. Measured beside the runner's overhead per event in the same
 * bench run (see bench/runner.ts), which the hash is a part of.
 */
export async function stateHashCost(mode: PingPongMode, max: number): Promise<{ usPerEvent: number }> {
  const watch = new StateWatch(SecretScrubber.of([]));
  const batch: ChartState[] = [];
  let hashed = 0;
  let ms = 0;
  let missing = 0;
  const hashBatch = () => {
    const started = performance.now();
    for (let index = 0; index < batch.length; index++) if (watch.hashOf(batch[index]!) === undefined) missing++;
    ms += performance.now() - started;
    hashed += batch.length;
    batch.length = 0;
  };
  const actor = createActor(pingPongMachines[mode], {
    input: { max },
    clock: immediateClock,
    inspect: (event) => {
      if (event.type !== "@xstate.snapshot" || event.actorRef !== actor || event.event.type === "xstate.init") return;
      const snapshot = event.snapshot as unknown as ChartState;
      batch.push({ value: snapshot.value, context: snapshot.context });
      if (batch.length === HASH_BATCH) hashBatch();
    },
  });
  const finished = new Promise<void>((resolve, reject) => actor.subscribe({ complete: () => resolve(), error: (error) => reject(error as Error) }));
  actor.start();
  await finished;
  hashBatch();
  if (hashed !== eventsFor(max) || missing > 0) throw new Error(`hashed ${hashed - missing} of ${eventsFor(max)} ping-pong states`);
  return { usPerEvent: (ms * 1000) / hashed };
}
