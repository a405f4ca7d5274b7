import { loadChart } from "../../loader/load-chart.js";
import { defaultSessionsRoot } from "../../runtime/session-dir.js";
import { UsageError } from "../../runtime/usage-error.js";
import { exploreChart, formatReport, type ExploreReport } from "../../sim/index.js";
import type { CliIo } from "../cli-io.js";
import { exitCodes } from "../exit-codes.js";
import { buildInput } from "../parse-params.js";

export interface SimFlags {
  runs: number;
  /** Milliseconds; stop starting runs after this long. */
  timeMs?: number;
  seed?: number;
  concurrency?: number;
  param: string[];
  input?: string;
  /** Real tools the simulated model may call. */
  tools: string[];
  replies?: boolean;
  cancelWeight?: number;
  /** Weight of an event the chart would refuse against a redraw's 19. */
  illegalWeight?: number;
  /** Weight of a model answering after the next pending timer against answering in time's 9. */
  lateWeight?: number;
  maxEvents?: number;
  shrink: boolean;
  shrinkRuns?: number;
  /** Keep no session at all (default: each failure's shrunk run, and a single run's session). */
  keep: boolean;
  json?: boolean;
}

/**
 * `escapement sim <chart>`: simulated runs of a chart (no model, no cost), coverage of its states
 * and transitions, and each failure with its seed and the shortest failing event sequence found.
 * Exit 0 when no run failed, 1 when one did, 2 on bad input (a schema that cannot be generated).
 */
export async function simCommand(chartArg: string | undefined, flags: SimFlags, io: CliIo): Promise<number> {
  if (!chartArg) throw new UsageError("missing <chart>: escapement sim <chart-module> [options]");
  const loaded = await loadChart(chartArg, io.cwd, { beforeHooks: () => import("../../index.js") });
  const input = buildInput(flags.input, flags.param, io.cwd);
  const sessionsRoot = defaultSessionsRoot(io.cwd);
  const seed = flags.seed ?? Date.now() % 1_000_000;
  const report: ExploreReport = await exploreChart(loaded.chart, {
    runs: flags.runs,
    seed,
    ...(flags.timeMs === undefined ? {} : { timeMs: flags.timeMs }),
    ...(flags.concurrency === undefined ? {} : { concurrency: flags.concurrency }),
    ...(input === undefined ? {} : { input }),
    ...(flags.tools.length > 0 ? { realTools: flags.tools } : {}),
    ...(flags.replies ? { replies: true } : {}),
    ...(flags.cancelWeight === undefined ? {} : { cancelWeight: flags.cancelWeight }),
    ...(flags.illegalWeight === undefined ? {} : { illegalWeight: flags.illegalWeight }),
    ...(flags.lateWeight === undefined ? {} : { lateWeight: flags.lateWeight }),
    ...(flags.maxEvents === undefined ? {} : { maxEvents: flags.maxEvents }),
    shrink: flags.shrink,
    ...(flags.shrinkRuns === undefined ? {} : { shrinkRuns: flags.shrinkRuns }),
    ...(flags.keep ? { sessionsRoot, keepAll: flags.runs === 1 } : {}),
  });
  const ungenerable = report.failures.find((failure) => failure.kind === "ungenerable");
  if (ungenerable) {
    io.stderr.write(`escapement: ${loaded.modulePath}: ${ungenerable.message}\n`);
    return exitCodes.usage;
  }
  io.stdout.write(flags.json ? `${JSON.stringify(report)}\n` : `${formatReport(report)}\n`);
  if (!flags.json && report.failures.length > 0) io.stdout.write(`reproduce the first run of a failure: escapement sim ${chartArg} --runs 1 --seed <seed>\n`);
  return report.failures.length > 0 ? exitCodes.runFailed : exitCodes.ok;
}
