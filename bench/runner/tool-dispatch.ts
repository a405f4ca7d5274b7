/**
 * The tool-dispatch section of `npm run bench:runner`: what running a model step's tool calls
 * costs beside the tools' own time, and what parallel dispatch gains.
 *
 * 1. Overhead per call, no-op tools: the dispatch itself (policy, identical-call keys, a timeout per
 *    call; `dispatchCalls` + `withTimeout`, steps of 8 calls) against awaiting the tool alone. Target
 *    <= 50 µs. Beside it, the whole path of a call in a real run (`runChart`, a step of 100 calls:
 *    its tool/started, tool/finished and llm/tool-result rows, its io blob, its two checkpoints),
 *    parallel-safe and serial, as (run with the step - run without it) / 100.
 * 2. One step of 8 parallel-safe tools that each take 100 ms, beside the same tools declared
 *    serial: wall time from the first tool/started row to the last tool/finished row. Target <= 250 ms.
 */
import { join } from "node:path";
import { setup } from "xstate";
import { z } from "zod";
import { converse, inlineActors } from "../../core/src/chart/index.js";
import { dispatchCalls } from "../../core/src/chart/tool-dispatch.js";
import { toolCallKey } from "../../core/src/chart/tool-loop.js";
import { withTimeout } from "../../core/src/chart/tool-timeout.js";
import { defineChart, runChart } from "../../core/src/engine/index.js";
import { scriptedModel, type ScriptToolCall } from "../../core/src/llm/index.js";
import { readAllRows, systemClock } from "../../core/src/runtime/index.js";
import { defineTool, ToolRegistry, type Tool } from "../../core/src/tools/index.js";
import { table, verdict } from "./table.js";

const TARGET_OVERHEAD_US = 50;
const TARGET_STEP_MS = 250;
const STEP_CALLS = 8;
const STEP_TOOL_MS = 100;
const RUN_CALLS = 100;

const us = (value: number): string => `${value.toFixed(2)} µs`;
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const noop = async (): Promise<{ output: string }> => ({ output: "ok" });

/** µs per call of `dispatchCalls` + `withTimeout` around a no-op, and of awaiting the no-op alone. */
async function dispatchOverhead(calls: number): Promise<{ dispatched: number; alone: number }> {
  const signal = new AbortController().signal;
  const steps = Math.max(1, Math.floor(calls / STEP_CALLS));
  const inputs = Array.from({ length: STEP_CALLS }, (_, i) => ({ path: `src/file-${i}.ts`, offset: i * 10, limit: 200 }));
  const measure = async (fn: () => Promise<unknown>): Promise<number> => {
    for (let i = 0; i < 200; i++) await fn();
    const start = performance.now();
    for (let i = 0; i < steps; i++) await fn();
    return ((performance.now() - start) * 1000) / (steps * STEP_CALLS);
  };
  const alone = await measure(async () => {
    for (let i = 0; i < STEP_CALLS; i++) await noop();
  });
  const dispatched = await measure(() =>
    dispatchCalls(
      inputs.map((input) => ({
        key: toolCallKey({ name: "fs_read", input }),
        parallel: true,
        run: () => withTimeout(systemClock, 120_000, signal, () => noop()),
      })),
      4,
    ),
  );
  return { dispatched: dispatched - alone, alone };
}

const stepChart = (tools: string[]) =>
  defineChart({
    id: "bench-tool-dispatch",
    machine: setup({ actors: inlineActors }).createMachine({
      id: "bench-tool-dispatch",
      initial: "talking",
      states: {
        talking: { invoke: converse({ id: "c", message: "go", realTools: tools, stream: false }), on: { "llm.idle": "done" } },
        done: { type: "final" },
      },
    }),
  });

const waitingTool = (name: string, parallel: boolean, ms: number): Tool<{ i: number }> =>
  defineTool({
    name,
    description: "waits",
    input: z.object({ i: z.number() }),
    parallel,
    execute: (input) => new Promise((resolve) => setTimeout(() => resolve({ output: `${input.i}` }), ms)),
  });

/** One run of a step with `count` calls of `tool` (0: a reply with no calls); its wall time and rows. */
async function runStep(root: string, label: string, tool: Tool<{ i: number }>, count: number) {
  const calls: ScriptToolCall[] = Array.from({ length: count }, (_, i) => ({ name: tool.name, input: { i }, id: `call-${i}` }));
  const script = count === 0 ? [{ text: "done" }] : [{ toolCalls: calls }, { text: "done" }];
  const start = performance.now();
  const result = await runChart({
    chart: stepChart([tool.name]),
    model: scriptedModel(script),
    tools: new ToolRegistry([tool]),
    sessionDir: join(root, label),
  });
  const wallMs = performance.now() - start;
  if (result.status !== "done") throw new Error(`bench run ${label} ended ${result.status}: ${result.error?.message}`);
  return { wallMs, rows: await readAllRows(result.transcriptPath) };
}

export async function toolDispatchSection(calls: number, root: string): Promise<void> {
  const { dispatched, alone } = await dispatchOverhead(calls);
  const perCallInRun = async (parallel: boolean): Promise<number> => {
    const tool = waitingTool("noop", parallel, 0);
    const samples: number[] = [];
    for (let run = 0; run < 5; run++) {
      const without = await runStep(root, `empty-${parallel}-${run}`, tool, 0);
      const withCalls = await runStep(root, `calls-${parallel}-${run}`, tool, RUN_CALLS);
      samples.push(((withCalls.wallMs - without.wallMs) * 1000) / RUN_CALLS);
    }
    return median(samples);
  };
  const inRunParallel = await perCallInRun(true);
  const inRunSerial = await perCallInRun(false);
  console.log(
    `Tool dispatch overhead per call, no-op tools (${calls.toLocaleString("en-US")} calls in steps of ${STEP_CALLS}; in a run: steps of ${RUN_CALLS}, median of 5)`,
  );
  console.log(
    table(
      ["path", "per call", "target", "result"],
      [
        ["tool alone (await)", us(alone), "", ""],
        ["dispatch: policy, key, timeout", us(dispatched), `<= ${TARGET_OVERHEAD_US} µs`, verdict(dispatched <= TARGET_OVERHEAD_US)],
        ["in a run, parallel-safe (rows, blob, checkpoints)", us(inRunParallel), "", ""],
        ["in a run, serial (rows, blob, checkpoints)", us(inRunSerial), "", ""],
      ],
      ["l", "r", "r", "l"],
    ),
  );
  console.log();

  const stepWall = async (parallel: boolean): Promise<number> => {
    const { rows } = await runStep(root, `step-${parallel}`, waitingTool("wait", parallel, STEP_TOOL_MS), STEP_CALLS);
    const started = rows.filter((row) => row.event === "tool/started").map((row) => row.ts);
    const finished = rows.filter((row) => row.event === "tool/finished").map((row) => row.ts);
    return Math.max(...finished) - Math.min(...started);
  };
  const parallelMs = await stepWall(true);
  const serialMs = await stepWall(false);
  console.log(`One step of ${STEP_CALLS} tools of ${STEP_TOOL_MS} ms each (first tool/started to last tool/finished)`);
  console.log(
    table(
      ["tools", "wall", "target", "result"],
      [
        ["parallel-safe (maxParallelTools 4)", `${parallelMs} ms`, `<= ${TARGET_STEP_MS} ms`, verdict(parallelMs <= TARGET_STEP_MS)],
        ["serial", `${serialMs} ms`, "", ""],
      ],
      ["l", "r", "r", "l"],
    ),
  );
  console.log();
}
