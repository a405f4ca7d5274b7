/**
 * A strict cassette replay of a 1,000-turn session: 100 conversations x 10 turns, recorded once
 * with a scripted model, then replayed with `new CassetteModel(cassette, { mode: "strict" })`.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { AnyStateMachine } from "xstate";
import type { Subject } from "./subject.js";

export interface CassetteResult {
  turns: number;
  recordMs: number;
  replayMs: number;
  /** CPU time (user + system) of this process during the replay. */
  replayCpuMs: number;
}

type Modules = {
  xstate: typeof import("xstate");
  zod: typeof import("zod");
  chart: typeof import("../../core/src/chart/index.js");
  llm: typeof import("../../core/src/llm/index.js");
  cassette: typeof import("../../core/src/llm/cassette/index.js");
  runner: typeof import("../../core/src/engine/runner.js");
};

const load = async (subject: Subject): Promise<Modules> => ({
  xstate: await import("xstate"),
  zod: await import("zod"),
  chart: await subject.load("core/src/chart/index.ts"),
  llm: await subject.load("core/src/llm/index.ts"),
  cassette: await subject.load("core/src/llm/cassette/index.ts"),
  // An older checkout (`--against`) may keep the runner in runtime/.
  runner: await subject.load(existsSync(join(subject.root, "core/src/engine")) ? "core/src/engine/runner.ts" : "core/src/runtime/runner.ts"),
});

/** 100 conversations x 10 turns = 1,000 recorded turns. */
const thousand = ({ xstate: { assign, setup }, zod: { z }, chart: { converse, inlineActors, tellLlm } }: Modules): AnyStateMachine =>
  setup({ actors: inlineActors, types: { context: {} as { n: number } } }).createMachine({
    id: "thousand",
    context: { n: 0 },
    initial: "talk",
    states: {
      talk: {
        invoke: converse({
          id: "talker",
          message: ({ context }: { context: { n: number } }) => `Conversation ${context.n}: count to ten.`,
          realTools: [],
          allowedEvents: { "count.done": { schema: z.object({}), description: "finished counting" } },
        }),
        on: {
          "llm.idle": { actions: tellLlm("talker", "Next.") },
          "count.done": { target: "next" },
        },
      },
      next: {
        always: [
          { guard: ({ context }) => context.n >= 99, target: "done" },
          { target: "talk", actions: assign({ n: ({ context }) => context.n + 1 }) },
        ],
      },
      done: { type: "final" },
    },
  });

export interface PreparedCassette {
  recordMs: number;
  turns: number;
  /** One strict replay of the recorded session into a fresh session directory. */
  replay(): Promise<CassetteResult>;
}

/** Records the session once into `work/<subject>-recorded`, ready to be replayed. */
export async function recordCassette(subject: Subject, work: string): Promise<PreparedCassette> {
  const modules = await load(subject);
  const { runChart } = modules.runner;
  const steps = Array.from({ length: 100 }, () => [
    ...Array.from({ length: 9 }, (_, i) => ({ text: `${i + 1}` })),
    { text: "10", events: [{ name: "count_done" }] },
  ]).flat();
  const chart = { id: "thousand", machine: thousand(modules) };
  const start = performance.now();
  const recorded = await runChart({
    chart,
    model: modules.llm.scriptedModel(steps),
    sessionDir: join(work, `${subject.name}-recorded`),
    cwd: work,
    loopThreshold: false,
  });
  const recordMs = performance.now() - start;
  if (recorded.status !== "done") throw new Error(`${subject.name}: recording ended ${recorded.status}: ${recorded.error?.message}`);
  const cassette = await modules.cassette.loadCassette(recorded.sessionDir, "thousand");
  let runs = 0;
  return {
    recordMs,
    turns: cassette.calls.length,
    async replay() {
      const cpu = process.cpuUsage();
      const begin = performance.now();
      const replayed = await runChart({
        chart,
        model: new modules.cassette.CassetteModel(cassette, { mode: "strict" }),
        sessionDir: join(work, `${subject.name}-replayed-${++runs}`),
        cwd: work,
        loopThreshold: false,
      });
      const replayMs = performance.now() - begin;
      const used = process.cpuUsage(cpu);
      if (replayed.status !== "done") throw new Error(`${subject.name}: replay ended ${replayed.status}: ${replayed.error?.message}`);
      return { turns: cassette.calls.length, recordMs, replayMs, replayCpuMs: (used.user + used.system) / 1000 };
    },
  };
}
