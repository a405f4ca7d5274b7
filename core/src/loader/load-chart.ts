import { existsSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { AnyStateMachine } from "xstate";
import type { ChartDefinition } from "../engine/define-chart.js";
import { checkPeers, formatOtherCore, formatPeerProblem, otherCoreOf } from "./peer-check.js";
import { UsageError } from "../runtime/usage-error.js";
import { importModule } from "./import-module.js";

const entryNames = ["chart.ts", "index.ts", "chart.mts", "chart.js", "index.js", "chart.mjs"];

export interface LoadChartOptions {
  /**
   * Called right before the compiled core registers the chart loader's hooks (the core running
   * from its TypeScript sources registers none and never calls it). Once the hooks are in place,
   * every module Node loads goes through them, a round trip to the loader thread each: what is
   * loaded here is spared that. Hosts pass a preload of the package entry every chart imports.
   */
  beforeHooks?: () => Promise<unknown>;
}

export interface LoadedChart {
  chart: ChartDefinition;
  /** Absolute path of the module file. */
  modulePath: string;
  /** Directory holding the chart (where a bundled `script.json` lives). */
  dir: string;
}

/** Resolves a chart argument (a module file or a directory holding chart.ts / index.ts). */
export function resolveChartPath(arg: string, cwd: string): string {
  const path = resolve(cwd, arg);
  if (!existsSync(path)) throw new UsageError(`chart not found: ${arg} (resolved to ${path})`);
  if (!statSync(path).isDirectory()) return path;
  const entry = entryNames.map((name) => join(path, name)).find((candidate) => existsSync(candidate));
  if (!entry) throw new UsageError(`no chart module in ${path} (looked for ${entryNames.join(", ")})`);
  return entry;
}

const isMachine = (value: unknown): value is AnyStateMachine =>
  typeof value === "object" && value !== null && "root" in value && "config" in value && typeof (value as { provide?: unknown }).provide === "function";

export async function loadChart(arg: string, cwd: string, options: LoadChartOptions = {}): Promise<LoadedChart> {
  const modulePath = resolveChartPath(arg, cwd);
  // Before the chart runs any code: an xstate, zod or core the run cannot share with it.
  const chartDir = dirname(modulePath);
  const otherCore = otherCoreOf({ chartDir });
  const problems = otherCore ? [formatOtherCore(otherCore)] : checkPeers({ chartDir }).map(formatPeerProblem);
  if (problems.length > 0) throw new UsageError(problems.join("\nescapement: "));
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(modulePath, options.beforeHooks);
  } catch (error) {
    throw new UsageError(`cannot load chart module ${modulePath}: ${(error as Error).message}`);
  }
  const dir = resolve(modulePath, "..");
  for (const candidate of [mod.default, mod.chart]) {
    if (candidate && typeof candidate === "object" && isMachine((candidate as ChartDefinition).machine)) {
      const chart = candidate as ChartDefinition;
      return { chart: { ...chart, id: chart.id || chart.machine.id }, modulePath, dir };
    }
    if (isMachine(candidate)) return { chart: { id: candidate.id, machine: candidate }, modulePath, dir };
  }
  if (isMachine(mod.machine)) return { chart: { id: mod.machine.id, machine: mod.machine }, modulePath, dir };
  throw new UsageError(`${modulePath} exports no machine: export default defineChart({ id, machine }), or export const machine = createMachine(...)`);
}
