/**
 * The fan-out part of `npm run bench:runner`: one parent session whose state invokes
 * `spawnChildren` over N inputs (no concurrency limit), each child a full session (own directory
 * under the parent's `children/`, transcript, checkpoints, io blobs, cassette) doing three
 * streamed scripted turns; the parent mirrors every child's conversation rows. One scripted model
 * serves the whole fleet. Wall time is compared with the ideal: one child alone, no overhead,
 * 3 x (first token + tokens x gap), since all children run at once.
 *
 * Run alone: `npx tsx bench/runner/fan-out.ts [children]`.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { assign, setup } from "xstate";
import { z } from "zod";
import { converse, defineChart, inlineActors, runChart, scriptedModel, spawnChildren, type FleetChildResult, type ReplyStep } from "@escapement/core";
import { RssSampler } from "./sessions.js";

export const FAN_OUT_TURNS = 3;
export const FAN_OUT_FIRST_TOKEN_MS = 300;
export const FAN_OUT_TOKENS = 20;
export const FAN_OUT_TOKEN_GAP_MS = 10;
/** One child alone, with no overhead at all (every child runs at once, so also the fleet's ideal). */
export const FAN_OUT_IDEAL_MS = FAN_OUT_TURNS * (FAN_OUT_FIRST_TOKEN_MS + FAN_OUT_TOKENS * FAN_OUT_TOKEN_GAP_MS);
export const FAN_OUT_TARGET_X = 2;
export const FAN_OUT_TARGET_RSS = 2 ** 30;

/** Turns 1-2 report a step (handled in place, the conversation goes on); turn 3's step ends the child. */
const child = setup({ actors: inlineActors, types: { context: {} as { n: number; steps: number }, input: {} as { n: number } } }).createMachine({
  id: "fan-out-child",
  context: ({ input }) => ({ n: input.n, steps: 0 }),
  initial: "working",
  states: {
    working: {
      invoke: converse({
        id: "agent",
        system: "You work in small steps and report each one.",
        message: ({ context }) => `Task ${context.n}: do it in three steps.`,
        realTools: [],
        allowedEvents: { "step.done": { schema: z.object({ step: z.number().int() }), description: "report a finished step" } },
      }),
      on: {
        "step.done": [
          { guard: ({ context }) => context.steps + 1 >= FAN_OUT_TURNS, target: "done", actions: assign({ steps: ({ context }) => context.steps + 1 }) },
          { actions: assign({ steps: ({ context }) => context.steps + 1 }) },
        ],
      },
    },
    done: { type: "final" },
  },
  output: ({ context }) => ({ n: context.n, steps: context.steps }),
});

export const childChart = defineChart({ id: "fan-out-child", machine: child });

const parentChart = (children: number) =>
  defineChart({
    id: "fan-out",
    machine: setup({ actors: inlineActors, types: { context: {} as { results: FleetChildResult[] } } }).createMachine({
      id: "fan-out",
      context: { results: [] },
      initial: "fanning",
      states: {
        fanning: {
          invoke: {
            ...spawnChildren({ id: "fleet", chart: childChart, inputs: Array.from({ length: children }, (_, n) => ({ n })), concurrency: Infinity }),
            onDone: { target: "done", actions: assign({ results: ({ event }) => event.output as FleetChildResult[] }) },
          },
        },
        done: { type: "final" },
      },
    }),
  });

const words = "the fleet fans out while every child streams its tokens".split(" ");
export const step = (turn: number): ReplyStep => ({
  firstTokenMs: FAN_OUT_FIRST_TOKEN_MS,
  deltas: Array.from({ length: FAN_OUT_TOKENS }, (_, index) => ({ text: `${words[(index + turn) % words.length]} `, afterMs: FAN_OUT_TOKEN_GAP_MS })),
  events: [{ name: "step_done", payload: { step: turn } }],
});

export interface FanOutResult {
  children: number;
  wallMs: number;
  /** CPU time of the process over the run (user + system). */
  cpuMs: number;
  idealMs: number;
  peakRssBytes: number;
  status: string;
  /** Children that did not end done after three turns. */
  failedChildren: number;
  parentRows: number;
  childRows: number;
  errorSamples: string[];
}

export async function runFanOut(children: number, root: string): Promise<FanOutResult> {
  // Any call order works: every child's turns are alike.
  const model = scriptedModel({ byState: { working: Array.from({ length: children * FAN_OUT_TURNS }, (_, index) => step((index % FAN_OUT_TURNS) + 1)) } });
  const sessionDir = join(root, "parent");
  const sampler = new RssSampler();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await runChart({ chart: parentChart(children), model, sessionDir, loopThreshold: false });
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  const peakRssBytes = sampler.stop();
  const lines = (path: string) => readFileSync(path, "utf8").split("\n").filter(Boolean);
  const parentRows = lines(join(sessionDir, "transcript.jsonl"));
  const done = parentRows.map((line) => JSON.parse(line) as { event: string; data: any }).find((row) => row.data?.event === "xstate.done.actor.fleet");
  const results = (done?.data.eventData.output ?? []) as FleetChildResult[];
  const samples = new Map<string, number>();
  let failed = children - results.length;
  for (const r of results) {
    if (r.status === "done" && (r.output as { steps?: number })?.steps === FAN_OUT_TURNS) continue;
    failed++;
    const kind = `${r.status}: ${r.error?.category ?? ""} ${r.error?.message ?? ""}`.replace(/\d+/g, "N").slice(0, 160);
    samples.set(kind, (samples.get(kind) ?? 0) + 1);
  }
  if (result.error) samples.set(`parent ${result.status}: ${result.error.category}: ${result.error.message.slice(0, 160)}`, 1);
  let childRows = 0;
  for (const id of readdirSync(join(sessionDir, "children"))) childRows += lines(join(sessionDir, "children", id, "transcript.jsonl")).length;
  return {
    children,
    wallMs,
    cpuMs,
    idealMs: FAN_OUT_IDEAL_MS,
    peakRssBytes,
    status: result.status,
    failedChildren: failed,
    parentRows: parentRows.length,
    childRows,
    errorSamples: [...samples].map(([kind, count]) => `${count} x ${kind}`),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const children = Number(process.argv[2] ?? 1000);
  const root = mkdtempSync(join(tmpdir(), "escapement-bench-fan-out-"));
  runFanOut(children, root)
    .then((r) => {
      console.log(JSON.stringify({ ...r, x: r.wallMs / r.idealMs, rssMiB: r.peakRssBytes / 2 ** 20 }, null, 2));
    })
    .finally(() => rmSync(root, { recursive: true, force: true }))
    .then(() => process.exit(0));
}
