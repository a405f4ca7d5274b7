/**
 * The fan-out part of `npm run bench:runner`: one parent session whose state invokes
 * `spawnChildren` over N inputs (no concurrency limit), each child a full session (own directory
 * under the parent's `children/`, transcript, checkpoints, io blobs, cassette) doing three
 * streamed scripted turns; the parent mirrors every child's conversation rows. One scripted model
 * serves the whole fleet. Wall time is compared with the ideal: one child alone, no overhead,
 * 3 x (first token + tokens x gap), since all children run at once.
 *
 * The same children are then run as independent sessions (no parent): the difference is what the
 * fleet layer costs. Run alone: `npx tsx bench/runner/fan-out.ts [children]`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { assign, setup } from "xstate";
import { z } from "zod";
import { converse, defineChart, inlineActors, scriptedModel, spawnChildren, type FleetChildResult, type ReplyStep } from "@escapement/core";
import { runChart, startChart } from "@escapement/core/unstable";
import { RssSampler } from "./sessions.js";
import { int, mib, ratio, table, verdict } from "./table.js";

export const FAN_OUT_TURNS = 3;
// A turn like a fast hosted model's: first token after 1 s, then 20 tokens at 25 tokens/s.
export const FAN_OUT_FIRST_TOKEN_MS = 1000;
export const FAN_OUT_TOKENS = 20;
export const FAN_OUT_TOKEN_GAP_MS = 40;
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
  /** "fleet": one parent, spawnChildren over N inputs. "sessions": the same N charts as independent runChart sessions. */
  shape: "fleet" | "sessions";
  children: number;
  wallMs: number;
  /** CPU time of the process over the run (user + system). */
  cpuMs: number;
  peakRssBytes: number;
  /** Children that did not end done after three turns (or the parent's own failure). */
  failed: number;
  errorSamples: string[];
}

const scriptFor = (children: number) =>
  // Any call order works: every child's turns are alike.
  scriptedModel({ byState: { working: Array.from({ length: children * FAN_OUT_TURNS }, (_, index) => step((index % FAN_OUT_TURNS) + 1)) } });

async function measure(
  shape: FanOutResult["shape"],
  children: number,
  run: () => Promise<{ failed: number; samples: Map<string, number> }>,
): Promise<FanOutResult> {
  const sampler = new RssSampler();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const { failed, samples } = await run();
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return {
    shape,
    children,
    wallMs,
    cpuMs: (used.user + used.system) / 1000,
    peakRssBytes: sampler.stop(),
    failed,
    errorSamples: [...samples].map(([kind, count]) => `${count} x ${kind}`),
  };
}

const tally = (samples: Map<string, number>, text: string) => {
  const kind = text.replace(/\d+/g, "N").slice(0, 160);
  samples.set(kind, (samples.get(kind) ?? 0) + 1);
};

const childOk = (status: string, output: unknown) => status === "done" && (output as { steps?: number } | undefined)?.steps === FAN_OUT_TURNS;

/** One parent session whose state fans out into `children` child sessions, all at once. */
export function runFanOut(children: number, root: string): Promise<FanOutResult> {
  return measure("fleet", children, async () => {
    const samples = new Map<string, number>();
    const sessionDir = join(root, "fleet");
    const handle = await startChart({ chart: parentChart(children), model: scriptFor(children), sessionDir, loopThreshold: false });
    const result = await handle.result;
    if (result.status !== "done") tally(samples, `parent ${result.status}: ${result.error?.category ?? ""}: ${result.error?.message ?? ""}`);
    const results = (handle.snapshot()?.context as { results?: FleetChildResult[] } | undefined)?.results ?? [];
    let failed = children - results.length;
    for (const r of results) {
      if (childOk(r.status, r.output)) continue;
      failed++;
      tally(samples, `child ${r.status}: ${r.error?.category ?? ""} ${r.error?.message ?? ""}`);
    }
    return { failed, samples };
  });
}

/** The same children as independent sessions (no parent, no mirroring): what the fleet layer adds is the difference. */
export function runIndependent(children: number, root: string): Promise<FanOutResult> {
  return measure("sessions", children, async () => {
    const samples = new Map<string, number>();
    const model = scriptFor(children);
    let failed = 0;
    await Promise.all(
      Array.from({ length: children }, (_, n) =>
        runChart({ chart: childChart, model, input: { n }, sessionDir: join(root, "sessions", `s${n}`), loopThreshold: false }).then(
          (result) => {
            if (result.status === "done") return;
            failed++;
            tally(samples, `session ${result.status}: ${result.error?.category ?? ""}`);
          },
          (error: unknown) => {
            failed++;
            tally(samples, `runChart rejected: ${(error as Error).message}`);
          },
        ),
      ),
    );
    return { failed, samples };
  });
}

/** The `--fan-out` section of bench:runner: the fleet, then the same children as plain sessions, as a table. */
export async function fanOutSection(children: number, root: string): Promise<FanOutResult[]> {
  const results: FanOutResult[] = [];
  for (const run of [runFanOut, runIndependent]) {
    const dir = join(root, `fan-out-${results.length}`);
    results.push(await run(children, dir));
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `\nFan-out: one parent spawns ${int(children)} child sessions at once (spawnChildren), each ${FAN_OUT_TURNS} streamed turns ` +
      `(first token ${FAN_OUT_FIRST_TOKEN_MS} ms, then ${FAN_OUT_TOKENS} tokens ${FAN_OUT_TOKEN_GAP_MS} ms apart); ideal ${int(FAN_OUT_IDEAL_MS)} ms ` +
      `(one child alone); targets: wall <= ${FAN_OUT_TARGET_X}x ideal, peak RSS <= ${mib(FAN_OUT_TARGET_RSS)}, 0 failed`,
  );
  console.log(
    table(
      ["shape", "children", "wall ms", "x ideal", "CPU ms", "CPU/turn", "peak RSS", "failed", "wall", "RSS", "result"],
      results.map((r) => {
        const x = r.wallMs / FAN_OUT_IDEAL_MS;
        const checks = [x <= FAN_OUT_TARGET_X, r.peakRssBytes <= FAN_OUT_TARGET_RSS, r.failed === 0];
        return [
          r.shape === "fleet" ? "fleet (1 parent)" : "plain sessions",
          int(r.children),
          int(r.wallMs),
          ratio(x),
          int(r.cpuMs),
          `${(r.cpuMs / (r.children * FAN_OUT_TURNS)).toFixed(2)} ms`,
          mib(r.peakRssBytes),
          int(r.failed),
          verdict(checks[0]!),
          verdict(checks[1]!),
          r.shape === "fleet" ? verdict(checks.every(Boolean)) : "(reference: no fleet layer)",
        ];
      }),
      ["l", "r", "r", "r", "r", "r", "r", "r", "l", "l", "l"],
    ),
  );
  for (const r of results) for (const sample of r.errorSamples) console.log(`  ${r.shape}: ${sample}`);
  console.log("  fleet: children share the parent's scripted model; the parent mirrors their conversation rows and records all calls in its cassette");
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const children = Number(process.argv[2] ?? 1000);
  const root = mkdtempSync(join(tmpdir(), "escapement-bench-fan-out-"));
  void fanOutSection(children, root)
    .finally(() => rmSync(root, { recursive: true, force: true }))
    .then(() => process.exit(0));
}
